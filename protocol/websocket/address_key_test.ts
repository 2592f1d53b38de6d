import assert from "node:assert/strict";
import { addressLimitKey } from "./address_key.ts";

Deno.test("address key: IPv4 exact, IPv4-mapped IPv6 as IPv4", () => {
  assert.equal(addressLimitKey("127.0.0.1"), "127.0.0.1");
  assert.equal(addressLimitKey("::ffff:127.0.0.1"), "127.0.0.1");
  assert.equal(addressLimitKey("::FFFF:10.1.2.3"), "10.1.2.3");
  assert.equal(addressLimitKey("::ffff:a01:203"), "10.1.2.3");
  assert.equal(addressLimitKey("0:0:0:0:0:ffff:10.1.2.3"), "10.1.2.3");
  assert.notEqual(addressLimitKey("127.0.0.1"), addressLimitKey("127.0.0.2"));
});

Deno.test("address key: IPv6 by /64, in any spelling", () => {
  const key = "2001:db8:0:1::/64";
  for (
    const spelling of [
      "2001:db8:0:1::1",
      "2001:0db8:0000:0001:ffff:ffff:ffff:ffff",
      "2001:DB8:0:1:1:2:3:4",
      "[2001:db8:0:1::9]",
      "2001:db8:0:1::9%eth0",
      "2001:db8:0:1:0:0:1.2.3.4",
    ]
  ) {
    assert.equal(addressLimitKey(spelling), key, spelling);
  }
  assert.notEqual(addressLimitKey("2001:db8:0:2::1"), key);
  assert.equal(addressLimitKey("::1"), "0:0:0:0::/64");
  assert.equal(addressLimitKey("::"), "0:0:0:0::/64");
  assert.equal(addressLimitKey("fe80::1%lo"), "fe80:0:0:0::/64");
});

Deno.test("address key: text that is no IP literal is kept (lower-cased), never throws", () => {
  for (
    const text of [
      "localhost",
      "1::2::3",
      "12345::",
      "::ffff:1.2.3.999",
      "1:2:3:4:5:6:7:8:9",
      ":",
      "",
    ]
  ) {
    assert.equal(addressLimitKey(text), text.toLowerCase(), text);
  }
  assert.equal(addressLimitKey("Example.COM"), "example.com");
});
