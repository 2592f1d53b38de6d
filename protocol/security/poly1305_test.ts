import assert from "node:assert/strict";
import { Poly1305, poly1305 } from "./poly1305.ts";
import { MultiplayerError } from "../errors.ts";
import { fromHex, referencePoly1305, SeededBytes, toHex } from "./_test_util.ts";

const zeros = (n: number) => "00".repeat(n);

Deno.test("poly1305: RFC 8439 tag (2.5.2)", () => {
  const key = fromHex(
    "85:d6:be:78:57:55:6d:33:7f:44:52:fe:42:d5:06:a8:01:03:80:8a:fb:0d:b2:fd:4a:bf:f6:af:41:49:f5:1b",
  );
  const tag = poly1305(key, new TextEncoder().encode("Cryptographic Forum Research Group"));
  assert.equal(toHex(tag), "a8061dc1305136c6c22b8baf0c0127a9");
});

Deno.test("poly1305: RFC 8439 A.3 edge cases (reduction near 2^130 - 5)", () => {
  const r1 = "01" + zeros(15), r2 = "02" + zeros(15), r4 = "0100000000000000" + "0400000000000000";
  const cases: [string, string, string][] = [
    [r2 + zeros(16), "ff".repeat(16), "03" + zeros(15)],
    [r2 + "ff".repeat(16), "02" + zeros(15), "03" + zeros(15)],
    [r1 + zeros(16), "ff".repeat(16) + "f0" + "ff".repeat(15) + "11" + zeros(15), "05" + zeros(15)],
    [r1 + zeros(16), "ff".repeat(16) + "fb" + "fe".repeat(15) + "01".repeat(16), zeros(16)],
    [r2 + zeros(16), "fd" + "ff".repeat(15), "fa" + "ff".repeat(15)],
    [
      r4 + zeros(16),
      "e33594d7505e43b9" + zeros(8) + "3394d7505e4379cd0100000000000000" + zeros(16) + "01" +
      zeros(15),
      "1400000000000000" + "5500000000000000",
    ],
    [
      r4 + zeros(16),
      "e33594d7505e43b9" + zeros(8) + "3394d7505e4379cd0100000000000000" + zeros(16),
      "13" + zeros(15),
    ],
    [zeros(32), zeros(64), zeros(16)], // all-zero key and message
  ];
  for (const [key, message, tag] of cases) {
    assert.equal(toHex(poly1305(fromHex(key), fromHex(message))), tag, message);
    assert.equal(toHex(referencePoly1305(fromHex(key), fromHex(message))), tag, "reference");
  }
  // r = 0: the tag is s whatever the message
  const s = "36e5f6b5c5e06070f0efca96227a863e";
  assert.equal(toHex(poly1305(fromHex(zeros(16) + s), new Uint8Array(375).fill(0x61))), s);
});

Deno.test("poly1305: equals a BigInt reference on random and extreme keys and messages", () => {
  const rnd = new SeededBytes(1305);
  for (let t = 0; t < 2000; t++) {
    const key = rnd.bytes(32);
    if (t % 4 === 0) key.fill(0xff); // largest clamped r, largest s
    const message = rnd.bytes(t < 200 ? t : rnd.below(1300));
    if (t % 3 === 0) message.fill(0xff); // accumulator pushed to its bounds
    assert.equal(
      toHex(poly1305(key, message)),
      toHex(referencePoly1305(key, message)),
      `case ${t}`,
    );
  }
});

Deno.test("poly1305: streaming in any split equals one shot; reuse and misuse", () => {
  const rnd = new SeededBytes(77);
  const mac = new Poly1305();
  for (let t = 0; t < 200; t++) {
    const key = rnd.bytes(32), message = rnd.bytes(rnd.below(200));
    const want = toHex(poly1305(key, message));
    mac.init(key);
    for (let i = 0; i < message.length;) {
      const end = Math.min(message.length, i + 1 + rnd.below(40));
      mac.update(message, i, end);
      i = end;
    }
    assert.equal(toHex(mac.finish()), want, `case ${t}`);
  }
  // padToBlock is a zero pad to 16 bytes
  const key = rnd.bytes(32), odd = rnd.bytes(21);
  const padded = new Uint8Array(32);
  padded.set(odd);
  assert.deepEqual(mac.init(key).update(odd).padToBlock().finish(), poly1305(key, padded));
  // the key sits at an offset; the tag goes to an offset
  const big = new Uint8Array(40);
  big.set(key, 8);
  const out = mac.init(big, 8).update(odd).finish(new Uint8Array(20), 4);
  assert.deepEqual(out.subarray(4), poly1305(key, odd));
  // finish wipes the key: no second use without init
  assert.throws(() => mac.update(odd), MultiplayerError);
  assert.throws(() => mac.finish(), MultiplayerError);
  assert.throws(() => mac.init(new Uint8Array(31)), MultiplayerError);
  assert.throws(() => mac.init(new Uint8Array(32), 1), MultiplayerError);
  assert.throws(() => mac.init(key).update(odd, 3, 2), MultiplayerError);
  assert.throws(() => mac.init(key).finish(new Uint8Array(15)), MultiplayerError);
  assert.throws(() => poly1305(new Uint8Array(33), odd), MultiplayerError);
});
