import assert from "node:assert/strict";
import { createDecipheriv } from "node:crypto";
import { type AeadBackend, ChaCha20Poly1305 } from "./aead.ts";
import { MultiplayerError } from "../errors.ts";
import { fromHex, oracleSeal, SeededBytes, toHex } from "./_test_util.ts";

const SUNSCREEN = new TextEncoder().encode(
  "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the " +
    "future, sunscreen would be it.",
);

function seal(aead: ChaCha20Poly1305, nonce: Uint8Array, aad: Uint8Array, pt: Uint8Array) {
  const out = new Uint8Array(pt.length + 16);
  assert.equal(aead.seal(nonce, aad, pt, out), pt.length + 16);
  return out;
}

const BACKENDS: AeadBackend[] = ["webassembly", "typescript"];

for (const backend of BACKENDS) {
  Deno.test(`aead (${backend}): RFC 8439 AEAD vector (2.8.2)`, () => {
    const key = new Uint8Array(32).map((_, i) => 0x80 + i);
    const nonce = fromHex("07:00:00:00:40:41:42:43:44:45:46:47");
    const aad = fromHex("50:51:52:53:c0:c1:c2:c3:c4:c5:c6:c7");
    const aead = new ChaCha20Poly1305(key, undefined, { backend });
    assert.equal(aead.backend, backend);
    const sealed = seal(aead, nonce, aad, SUNSCREEN);
    assert.equal(
      toHex(sealed.subarray(0, SUNSCREEN.length)),
      "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6" +
        "3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36" +
        "92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc" +
        "3ff4def08e4b7a9de576d26586cec64b6116",
    );
    assert.equal(toHex(sealed.subarray(SUNSCREEN.length)), "1ae10b594f09e26a7e902ecbd0600691");
    const back = new Uint8Array(SUNSCREEN.length);
    assert.equal(aead.open(nonce, aad, sealed, back), SUNSCREEN.length);
    assert.deepEqual(back, SUNSCREEN);
  });

  Deno.test(`aead (${backend}): matches node:crypto (oracle) both ways on random inputs`, () => {
    const rnd = new SeededBytes(0xae4d);
    for (let t = 0; t < 300; t++) {
      const key = rnd.bytes(32), nonce = rnd.bytes(12);
      const aad = rnd.bytes(t % 5 === 0 ? 0 : rnd.below(48));
      const pt = rnd.bytes(t < 100 ? t : rnd.below(1400));
      const aead = new ChaCha20Poly1305(key, undefined, { backend });
      const sealed = seal(aead, nonce, aad, pt);
      assert.equal(toHex(sealed), oracleSeal(key, nonce, aad, pt), `case ${t}`);
      // and the oracle opens ours
      const d = createDecipheriv("chacha20-poly1305", key, nonce, { authTagLength: 16 });
      d.setAAD(aad, { plaintextLength: pt.length });
      d.setAuthTag(sealed.subarray(pt.length));
      assert.equal(toHex(d.update(sealed.subarray(0, pt.length))), toHex(pt));
      d.final(); // throws if the oracle disagrees with the tag
      const back = new Uint8Array(pt.length);
      assert.equal(aead.open(nonce, aad, sealed, back), pt.length);
      assert.deepEqual(back, pt);
    }
  });

  Deno.test(`aead (${backend}): every single bit flip in ciphertext, tag or AAD is rejected`, () => {
    const rnd = new SeededBytes(4);
    const aead = new ChaCha20Poly1305(rnd.bytes(32), undefined, { backend });
    const nonce = rnd.bytes(12), aad = rnd.bytes(19), pt = rnd.bytes(77);
    const sealed = seal(aead, nonce, aad, pt);
    const out = new Uint8Array(pt.length).fill(0xee);
    for (let bit = 0; bit < sealed.length * 8; bit++) {
      const bad = sealed.slice();
      bad[bit >>> 3] ^= 1 << (bit & 7);
      assert.equal(aead.open(nonce, aad, bad, out), -1, `sealed bit ${bit}`);
    }
    for (let bit = 0; bit < aad.length * 8; bit++) {
      const bad = aad.slice();
      bad[bit >>> 3] ^= 1 << (bit & 7);
      assert.equal(aead.open(nonce, bad, sealed, out), -1, `aad bit ${bit}`);
    }
    for (let bit = 0; bit < 96; bit++) {
      const bad = nonce.slice();
      bad[bit >>> 3] ^= 1 << (bit & 7);
      assert.equal(aead.open(bad, aad, sealed, out), -1, `nonce bit ${bit}`);
    }
    assert.equal(aead.open(nonce, aad, sealed.subarray(0, sealed.length - 1), out), -1);
    assert.equal(aead.open(nonce, aad.subarray(1), sealed, out), -1);
    assert.equal(aead.open(nonce, aad, sealed.subarray(0, 15), out), -1, "shorter than a tag");
    const longer = new Uint8Array(sealed.length + 1);
    longer.set(sealed);
    assert.equal(aead.open(nonce, aad, longer, new Uint8Array(pt.length + 1)), -1);
    assert.equal(
      new ChaCha20Poly1305(rnd.bytes(32), undefined, { backend }).open(nonce, aad, sealed, out),
      -1,
      "other key",
    );
    assert.ok(out.every((b) => b === 0xee), "a failed open writes nothing");
    assert.equal(aead.open(nonce, aad, sealed, out), pt.length, "the original still opens");
  });

  Deno.test(`aead (${backend}): empty parts, in place, header layout, misuse`, () => {
    const rnd = new SeededBytes(5);
    const key = rnd.bytes(32), nonce = rnd.bytes(12);
    const aead = new ChaCha20Poly1305(key, undefined, { backend });
    const empty = new Uint8Array(0);
    // empty plaintext: a bare tag over the AAD (the handshake's key confirmation)
    const tagOnly = seal(aead, nonce, rnd.bytes(32), empty);
    assert.equal(tagOnly.length, 16);
    assert.equal(toHex(seal(aead, nonce, empty, empty)), oracleSeal(key, nonce, empty, empty));
    // in place: plaintext at the start of a buffer with room for the tag
    const pt = rnd.bytes(100), aad = rnd.bytes(9);
    const buf = new Uint8Array(116);
    buf.set(pt);
    aead.seal(nonce, aad, buf.subarray(0, 100), buf);
    assert.deepEqual(buf, seal(aead, nonce, aad, pt));
    assert.equal(aead.open(nonce, aad, buf, buf), 100);
    assert.deepEqual(buf.subarray(0, 100), pt);
    // header layout: the clear header is the AAD; equals seal() with that header
    const header = rnd.bytes(19);
    const datagram = new Uint8Array(19 + 100 + 16);
    datagram.set(header);
    assert.equal(aead.sealAfterHeader(nonce, datagram, 19, pt), datagram.length);
    assert.deepEqual(datagram.subarray(19), seal(aead, nonce, header, pt));
    const plain = new Uint8Array(100);
    assert.equal(aead.openAfterHeader(nonce, datagram, 19, plain), 100);
    assert.deepEqual(plain, pt);
    datagram[3] ^= 4; // header tampered
    assert.equal(aead.openAfterHeader(nonce, datagram, 19, plain), -1);
    assert.equal(aead.openAfterHeader(nonce, datagram.subarray(0, 30), 19, plain), -1);
    assert.equal(aead.openAfterHeader(nonce, datagram, 200, plain), -1);
    // caller mistakes throw
    assert.throws(() => aead.seal(nonce, aad, pt, new Uint8Array(115)), MultiplayerError);
    assert.throws(
      () => aead.seal(new Uint8Array(8), aad, pt, new Uint8Array(116)),
      MultiplayerError,
    );
    assert.throws(() => aead.open(nonce, aad, buf, new Uint8Array(99)), MultiplayerError);
    const overlap = new Uint8Array(200);
    assert.throws(
      () => aead.seal(nonce, aad, overlap.subarray(0, 100), overlap, 5),
      MultiplayerError,
    );
    assert.throws(
      () => new ChaCha20Poly1305(new Uint8Array(16), undefined, { backend }),
      MultiplayerError,
    );
    // the expanded key in storage the caller shares: the same cipher, the words where asked
    const shared = new Uint32Array(12);
    const inShared = new ChaCha20Poly1305(key, shared.subarray(2, 10), { backend });
    assert.deepEqual(seal(inShared, nonce, aad, pt), seal(aead, nonce, aad, pt));
    assert.equal(shared[2], (key[0] | key[1] << 8 | key[2] << 16 | key[3] << 24) >>> 0);
    assert.equal(shared[0] | shared[1] | shared[10] | shared[11], 0);
    assert.throws(
      () => new ChaCha20Poly1305(key, new Uint32Array(7), { backend }),
      MultiplayerError,
    );
    // wiped: the old key no longer opens anything
    const sealed = seal(aead, nonce, aad, pt);
    aead.wipe();
    assert.equal(aead.open(nonce, aad, sealed, plain), -1);
  });
}
