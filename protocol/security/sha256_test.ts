import assert from "node:assert/strict";
import { Sha256, sha256 } from "./_sha256.ts";
import { SeededRandom } from "../random.ts";

const enc = new TextEncoder();
const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

Deno.test("sha256: FIPS 180-4 / NIST vectors", () => {
  assert.equal(
    hex(sha256(enc.encode("abc"))),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
  assert.equal(
    hex(sha256(new Uint8Array(0))),
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  );
  assert.equal(
    hex(sha256(enc.encode("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))),
    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
  );
  // one million 'a', fed in odd-sized chunks to exercise the partial-block path
  const h = new Sha256();
  const chunk = new Uint8Array(977).fill(0x61);
  let left = 1_000_000;
  while (left > 0) {
    const n = Math.min(left, chunk.length);
    h.update(chunk.subarray(0, n));
    left -= n;
  }
  assert.equal(
    hex(h.digest()),
    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
  );
});

Deno.test("sha256: matches WebCrypto on random lengths around block boundaries", async () => {
  const rnd = new SeededRandom(1);
  const lengths = [0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 1000];
  for (let i = 0; i < 40; i++) lengths.push(rnd.nextU32() % 3000);
  const h = new Sha256();
  for (const len of lengths) {
    const data = new Uint8Array(len);
    rnd.fill(data);
    const expected = new Uint8Array(await crypto.subtle.digest("SHA-256", data));
    assert.deepEqual(sha256(data), expected, `length ${len}`);
    // incremental in two uneven parts, reusing one instance
    const cut = len === 0 ? 0 : rnd.nextU32() % len;
    h.reset().update(data.subarray(0, cut)).update(data.subarray(cut));
    assert.deepEqual(h.digest(), expected, `split ${cut}/${len}`);
  }
});

Deno.test("sha256: digest rejects a too-small output buffer", () => {
  assert.throws(() => new Sha256().digest(new Uint8Array(31)), RangeError);
});
