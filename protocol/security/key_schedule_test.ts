import assert from "node:assert/strict";
import {
  deriveTrafficSecrets,
  hkdfSha256,
  packetNonce,
  serverAuthMessage,
  transcriptHash,
} from "./key_schedule.ts";
import { SeededRandom } from "../random.ts";
import { MultiplayerError } from "../errors.ts";

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
const range = (n: number, start = 0) => Uint8Array.from({ length: n }, (_, i) => start + i);

Deno.test("hkdf: RFC 5869 test cases 1 and 3", () => {
  const okm = hkdfSha256(range(13), new Uint8Array(22).fill(0x0b), range(10, 0xf0), 42);
  assert.equal(
    hex(okm),
    "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865",
  );
  const okm3 = hkdfSha256(new Uint8Array(0), new Uint8Array(22).fill(0x0b), new Uint8Array(0), 42);
  assert.equal(
    hex(okm3),
    "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8",
  );
  assert.throws(() => hkdfSha256(range(1), range(1), range(1), 8161), MultiplayerError);
});

Deno.test("hkdf: matches WebCrypto HKDF on random inputs", async () => {
  const rnd = new SeededRandom(11);
  for (let i = 0; i < 20; i++) {
    const salt = new Uint8Array(1 + (rnd.nextU32() % 80));
    const ikm = new Uint8Array(rnd.nextU32() % 100);
    const info = new Uint8Array(rnd.nextU32() % 50);
    for (const b of [salt, ikm, info]) rnd.fill(b);
    const len = 1 + (rnd.nextU32() % 200);
    const key = await crypto.subtle.importKey("raw", ikm, "HKDF", false, ["deriveBits"]);
    const bits = await crypto.subtle.deriveBits(
      { name: "HKDF", hash: "SHA-256", salt, info },
      key,
      len * 8,
    );
    assert.deepEqual(hkdfSha256(salt, ikm, info, len), new Uint8Array(bits));
  }
});

Deno.test("key schedule: transcript binds every field; PSK changes keys", () => {
  const base = {
    version: 1,
    clientNonce: 5,
    cookie: range(24),
    sessionId: 9,
    clientPublicKey: range(33, 1),
    serverPublicKey: range(33, 2),
  };
  const h = hex(transcriptHash(base));
  const variants = [
    { ...base, version: 2 },
    { ...base, clientNonce: 6 },
    { ...base, cookie: range(24, 1) },
    { ...base, sessionId: 10 },
    { ...base, clientPublicKey: range(33, 3) },
    { ...base, serverPublicKey: range(33, 3) },
    // moving a byte between adjacent fields must change the hash (length prefixes)
    { ...base, cookie: range(25), clientPublicKey: range(32, 2) },
  ];
  const seen = new Set([h]);
  for (const v of variants) seen.add(hex(transcriptHash(v)));
  assert.equal(seen.size, variants.length + 1);

  const shared = range(32);
  const a = deriveTrafficSecrets(shared, transcriptHash(base));
  const b = deriveTrafficSecrets(shared, transcriptHash(base), range(16));
  assert.notDeepEqual(a.clientToServerKey, b.clientToServerKey);
  assert.notDeepEqual(a.clientToServerKey, a.serverToClientKey);
  assert.notDeepEqual(a.clientToServerIv, a.serverToClientIv);
  assert.deepEqual(a, deriveTrafficSecrets(shared, transcriptHash(base)));
  assert.ok(serverAuthMessage(transcriptHash(base)).length > 32);
});

Deno.test("key schedule: packet nonces are unique and packet numbers are validated", () => {
  const iv = range(12, 100);
  const seen = new Set<string>();
  const out = new Uint8Array(12);
  const numbers = [0, 1, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1];
  for (let i = 0; i < 5000; i++) numbers.push(1000 + i * 7919);
  for (const n of numbers) seen.add(hex(packetNonce(iv, n, out)));
  assert.equal(seen.size, numbers.length);
  assert.deepEqual(packetNonce(iv, 0, out), iv);
  for (const bad of [-1, 1.5, 2 ** 53, Number.NaN]) {
    assert.throws(() => packetNonce(iv, bad, out), MultiplayerError);
  }
});
