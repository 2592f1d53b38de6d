import assert from "node:assert/strict";
import {
  decodePublicKey,
  encodePublicKey,
  KeyAlgorithm,
  publicKeyFromHex,
  publicKeyToHex,
} from "./public_key.ts";
import { MultiplayerError } from "../errors.ts";
import { SeededRandom } from "../random.ts";

Deno.test("public key: encode/decode/hex round trip for every algorithm", () => {
  for (const [alg, len] of [[1, 32], [2, 65], [3, 32], [4, 65]] as const) {
    const raw = new Uint8Array(len).map((_, i) => i);
    const enc = encodePublicKey(alg, raw);
    assert.equal(enc.length, len + 1);
    assert.deepEqual(decodePublicKey(enc), { algorithm: alg, raw });
    assert.deepEqual(publicKeyFromHex(publicKeyToHex(enc)), enc);
  }
  assert.throws(() => encodePublicKey(KeyAlgorithm.ED25519, new Uint8Array(65)), MultiplayerError);
});

Deno.test("public key: decode never throws on random bytes; hex parse is strict", () => {
  const rnd = new SeededRandom(5);
  let accepted = 0;
  for (let i = 0; i < 20_000; i++) {
    const b = new Uint8Array(rnd.nextU32() % 70);
    rnd.fill(b);
    const d = decodePublicKey(b);
    if (d) {
      accepted++;
      assert.equal(d.raw.length + 1, b.length);
    }
  }
  assert.ok(accepted < 200, `accepted ${accepted}`);
  for (const bad of ["", "0", "zz", "01" + "00".repeat(31), "01" + "0g".repeat(32)]) {
    assert.throws(() => publicKeyFromHex(bad), MultiplayerError, bad);
  }
});
