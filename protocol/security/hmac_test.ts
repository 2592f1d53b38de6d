import assert from "node:assert/strict";
import { HmacSha256, hmacSha256, timingSafeEqual } from "./_hmac.ts";
import { SeededRandom } from "../random.ts";

const enc = new TextEncoder();
const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
const fill = (n: number, v: number) => new Uint8Array(n).fill(v);

Deno.test("hmac: RFC 4231 test cases 1-7", () => {
  const key4 = Uint8Array.from({ length: 25 }, (_, i) => i + 1);
  const cases: [Uint8Array, Uint8Array, string][] = [
    [
      fill(20, 0x0b),
      enc.encode("Hi There"),
      "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
    ],
    [
      enc.encode("Jefe"),
      enc.encode("what do ya want for nothing?"),
      "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
    ],
    [
      fill(20, 0xaa),
      fill(50, 0xdd),
      "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
    ],
    [key4, fill(50, 0xcd), "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"],
    [fill(20, 0x0c), enc.encode("Test With Truncation"), "a3b6167473100ee06e0c796c2955552b"],
    [
      fill(131, 0xaa),
      enc.encode("Test Using Larger Than Block-Size Key - Hash Key First"),
      "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
    ],
    [
      fill(131, 0xaa),
      enc.encode(
        "This is a test using a larger than block-size key and a larger than block-size data. " +
          "The key needs to be hashed before being used by the HMAC algorithm.",
      ),
      "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
    ],
  ];
  for (const [i, [key, data, expected]] of cases.entries()) {
    const tag = hex(hmacSha256(key, data));
    // case 5 is specified truncated to 128 bits
    assert.equal(tag.slice(0, expected.length), expected, `case ${i + 1}`);
  }
});

Deno.test("hmac: matches WebCrypto HMAC on random keys and data", async () => {
  const rnd = new SeededRandom(7);
  for (let i = 0; i < 60; i++) {
    const key = new Uint8Array(1 + (rnd.nextU32() % 150));
    const data = new Uint8Array(rnd.nextU32() % 700);
    rnd.fill(key);
    rnd.fill(data);
    const k = await crypto.subtle.importKey(
      "raw",
      key,
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign"],
    );
    const expected = new Uint8Array(await crypto.subtle.sign("HMAC", k, data));
    assert.deepEqual(hmacSha256(key, data), expected, `key ${key.length} data ${data.length}`);
    // keyed instance reused across messages, data split in parts, caller-owned output
    const mac = new HmacSha256(key);
    const out = new Uint8Array(32);
    for (let rep = 0; rep < 2; rep++) {
      const cut = data.length === 0 ? 0 : rnd.nextU32() % data.length;
      mac.update(data.subarray(0, cut)).update(data.subarray(cut)).digest(out);
      assert.deepEqual(out, expected);
    }
  }
});

Deno.test("hmac: timingSafeEqual", () => {
  assert.equal(timingSafeEqual(new Uint8Array(0), new Uint8Array(0)), true);
  assert.equal(timingSafeEqual(fill(32, 1), fill(32, 1)), true);
  const b = fill(32, 1);
  b[31] = 0;
  assert.equal(timingSafeEqual(fill(32, 1), b), false);
  b[31] = 1;
  b[0] = 3;
  assert.equal(timingSafeEqual(fill(32, 1), b), false);
  assert.equal(timingSafeEqual(fill(31, 1), fill(32, 1)), false);
});

Deno.test("hmac: throughput sanity (pure JS)", () => {
  const mac = new HmacSha256(fill(32, 9));
  const data = fill(64, 1);
  const out = new Uint8Array(32);
  const n = 20_000;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) mac.update(data).digest(out);
  const ms = performance.now() - t0;
  console.log(`hmac-sha256 of 64 B: ${(n / ms * 1000).toFixed(0)} tags/s`);
  assert.ok(out.some((x) => x !== 0));
});
