import assert from "node:assert/strict";
import {
  createSecureChannel,
  CryptoError,
  decodePublicKey,
  encodePublicKey,
  type EphemeralKeyPair,
  generateEphemeralKeyPair,
  generateServerIdentity,
  KeyAlgorithm,
  publicKeyFromHex,
  publicKeyToHex,
  type SecureChannel,
  signTranscript,
  verifyServer,
} from "./channel.ts";
import type { HandshakeTranscript } from "../../protocol/security/key_schedule.ts";
import { MultiplayerError } from "../../protocol/errors.ts";

function transcriptOf(client: Uint8Array, server: Uint8Array): HandshakeTranscript {
  return {
    version: 1,
    clientNonce: 0xdeadbeef,
    cookie: new Uint8Array(24).fill(5),
    sessionId: 1234,
    clientPublicKey: client,
    serverPublicKey: server,
  };
}

/** Both ends of one session; `serverSessionId` makes the server's transcript differ. */
async function pair(
  algo: "X25519" | "P-256" = "X25519",
  psk?: { client?: Uint8Array; server?: Uint8Array },
  serverSessionId = 1234,
): Promise<{ client: SecureChannel; server: SecureChannel; transcript: HandshakeTranscript }> {
  const c: EphemeralKeyPair = await generateEphemeralKeyPair(algo);
  const s: EphemeralKeyPair = await generateEphemeralKeyPair(algo);
  const transcript = transcriptOf(c.publicKey, s.publicKey);
  const client = await createSecureChannel({
    role: "client",
    ephemeral: c,
    peerPublicKey: s.publicKey,
    transcript,
    psk: psk?.client,
  });
  const server = await createSecureChannel({
    role: "server",
    ephemeral: s,
    peerPublicKey: c.publicKey,
    transcript: { ...transcript, sessionId: serverSessionId },
    psk: psk?.server,
  });
  return { client, server, transcript };
}

const header = new Uint8Array([0x4e, 0x50, 1, 0, 0, 4, 210, 0, 7]);
const msg4 = new Uint8Array(4);

Deno.test("secure channel: round trip both directions (X25519 and P-256)", async () => {
  for (const algo of ["X25519", "P-256"] as const) {
    const { client, server } = await pair(algo);
    for (let pn = 0; pn < 20; pn++) {
      const msg = new Uint8Array(pn * 37).map((_, i) => i * 13 + pn);
      const sealed = client.seal(header, msg, pn);
      assert.equal(sealed.length, msg.length + 16);
      assert.deepEqual(server.open(header, sealed, pn), msg);
      const back = server.seal(header, msg, pn * 3);
      assert.deepEqual(client.open(header, back, pn * 3), msg);
      // a direction's own key cannot open what it sent (keys differ per direction)
      assert.equal(client.open(header, sealed, pn), undefined);
    }
  }
});

Deno.test("secure channel: tampered body, header, tag or packet number -> dropped", async () => {
  const { client, server } = await pair();
  const msg = new TextEncoder().encode("move player 3 to (10, 20)");
  const sealed = client.seal(header, msg, 5);
  for (let i = 0; i < sealed.length; i++) {
    const bad = sealed.slice();
    bad[i] ^= 0x01;
    assert.equal(server.open(header, bad, 5), undefined, `byte ${i}`);
  }
  for (let i = 0; i < header.length; i++) {
    const h = header.slice();
    h[i] ^= 0x80;
    assert.equal(server.open(h, sealed, 5), undefined, `header byte ${i}`);
  }
  assert.equal(server.open(header, sealed, 6), undefined);
  assert.equal(server.open(header, sealed.subarray(0, sealed.length - 1), 5), undefined);
  assert.equal(server.open(header, sealed.subarray(0, 3), 5), undefined);
  assert.equal(server.open(header, sealed, -1), undefined); // never throws
  assert.deepEqual(server.open(header, sealed, 5), msg); // untouched still opens
});

Deno.test("secure channel: nonces never reused (strictly increasing packet numbers)", async () => {
  const { client } = await pair();
  const msg = new Uint8Array(32);
  const seen = new Set<string>();
  for (let pn = 0; pn < 200; pn++) seen.add(publicKeyToHex(client.seal(header, msg, pn)));
  assert.equal(seen.size, 200); // same plaintext, distinct ciphertexts
  assert.equal(client.lastSealedPacketNumber, 199);
  assert.throws(() => client.seal(header, msg, 199), MultiplayerError);
  assert.throws(() => client.seal(header, msg, 3), MultiplayerError);
  assert.throws(() => client.seal(header, msg, Number.NaN), MultiplayerError);
  client.seal(header, msg, 2 ** 40); // gaps are fine
});

Deno.test("secure channel: open accepts reordering, rejects replays and stale numbers", async () => {
  const { client, server } = await pair();
  const msg = (pn: number) => new Uint8Array([pn & 0xff, pn >> 8]);
  // sealed in a row (the shared nonce scratch must not leak between calls), opened out of order
  const sealed = Array.from({ length: 64 }, (_, pn) => client.seal(header, msg(pn), pn));
  const order = [5, 0, 63, 1, 2, 40, 3, 4, ...Array.from({ length: 57 }, (_, i) => 62 - i)]
    .filter((pn, i, all) => all.indexOf(pn) === i);
  assert.equal(order.length, 64);
  const opened = order.map((pn) => server.open(header, sealed[pn], pn));
  opened.forEach((pt, i) => assert.deepEqual(pt, msg(order[i]), `pn ${order[i]}`));
  // every replay is refused, also a second copy right after the first
  for (const pn of [0, 5, 63]) assert.equal(server.open(header, sealed[pn], pn), undefined);
  const late = client.seal(header, msg(64), 64);
  const race = [server.open(header, late, 64), server.open(header, late, 64)];
  assert.equal(race.filter((r) => r !== undefined).length, 1, "exactly one copy opens");
  // a forged (unauthentic) high number does not move the window
  const forged = sealed[10].slice();
  forged[0] ^= 1;
  assert.equal(server.open(header, forged, 100_000), undefined);
  const next = client.seal(header, msg(65), 65);
  assert.deepEqual(server.open(header, next, 65), msg(65));
  // far ahead (authentic): numbers more than the window behind it are stale
  const old = client.seal(header, msg(2), 66);
  const far = client.seal(header, msg(1), 10_000);
  assert.deepEqual(server.open(header, far, 10_000), msg(1));
  assert.equal(server.open(header, old, 66), undefined, "never opened, but too old");
});

Deno.test("secure channel: mismatched PSK or transcript yields no usable channel", async () => {
  const a = await pair("X25519", {
    client: new Uint8Array(32).fill(1),
    server: new Uint8Array(32),
  });
  const sealed = a.client.seal(header, new Uint8Array([1, 2, 3]), 0);
  assert.equal(a.server.open(header, sealed, 0), undefined);
  const b = await pair("X25519", {
    client: new Uint8Array(32).fill(1),
    server: new Uint8Array(32).fill(1),
  });
  const ok = b.client.seal(header, new Uint8Array([1, 2, 3]), 0);
  assert.deepEqual(b.server.open(header, ok, 0), new Uint8Array([1, 2, 3]));

  const m = await pair("X25519", undefined, 2); // transcripts differ in the session id
  assert.equal(m.server.open(header, m.client.seal(header, msg4, 0), 0), undefined);
});

Deno.test("secure channel: pinned server key accepts the right server, rejects others", async () => {
  for (const kind of ["Ed25519", "ECDSA-P256"] as const) {
    const { transcript } = await pair();
    const real = await generateServerIdentity(kind);
    const impostor = await generateServerIdentity(kind);
    const sig = await signTranscript(real, transcript);
    await verifyServer(real.publicKey, transcript, sig);
    // wrong pinned key
    await assert.rejects(verifyServer(impostor.publicKey, transcript, sig), CryptoError);
    // impostor signing with its own key while the client pins the real one
    const forged = await signTranscript(impostor, transcript);
    await assert.rejects(verifyServer(real.publicKey, transcript, forged), (e) => {
      assert.ok(e instanceof CryptoError);
      assert.equal(e.code, "CRYPTO_ERROR");
      assert.equal(e.reason, 9);
      return true;
    });
    // signature replayed into another handshake
    await assert.rejects(
      verifyServer(real.publicKey, { ...transcript, sessionId: 999 }, sig),
      CryptoError,
    );
    await assert.rejects(verifyServer(real.publicKey, transcript, sig.subarray(1)), CryptoError);
  }
  const { transcript } = await pair();
  await assert.rejects(
    verifyServer(new Uint8Array([7, 1]), transcript, new Uint8Array(64)),
    CryptoError,
  );
});

Deno.test("secure channel: public key serialization and hostile peer keys", async () => {
  const id = await generateServerIdentity();
  const hex = publicKeyToHex(id.publicKey);
  assert.deepEqual(publicKeyFromHex(hex), id.publicKey);
  assert.throws(() => publicKeyFromHex("zz"), MultiplayerError);
  assert.throws(() => publicKeyFromHex(hex.slice(0, -2)), MultiplayerError);
  assert.equal(decodePublicKey(new Uint8Array(0)), undefined);
  assert.equal(decodePublicKey(new Uint8Array(34).fill(1)), undefined);
  assert.throws(() => encodePublicKey(KeyAlgorithm.X25519, new Uint8Array(31)), MultiplayerError);

  const own = await generateEphemeralKeyPair();
  const transcript = transcriptOf(own.publicKey, own.publicKey);
  const hostile = [
    new Uint8Array([1, ...new Uint8Array(32)]), // X25519 zero point: all-zero secret
    new Uint8Array([1, 1, ...new Uint8Array(31)]), // small-order point
    new Uint8Array([2, 4, ...new Uint8Array(64)]), // not on P-256 / algorithm mismatch
    new Uint8Array([5]),
  ];
  for (const peerPublicKey of hostile) {
    await assert.rejects(
      createSecureChannel({ role: "server", ephemeral: own, peerPublicKey, transcript }),
      CryptoError,
    );
  }
});

Deno.test("secure channel: seal/open throughput (1200-byte datagrams, synchronous)", async () => {
  const { client, server } = await pair();
  const datagram = new Uint8Array(1200 - 35).fill(0xab);
  const plain = new Uint8Array(1200);
  const n = 5000;
  const t0 = performance.now();
  let opened = 0;
  for (let pn = 0; pn < n; pn++) {
    if (server.openDatagram(client.sealDatagram(1234, datagram), plain) === datagram.length) {
      opened++;
    }
  }
  const ms = performance.now() - t0;
  assert.equal(opened, n);
  const mbps = (n * datagram.length) / 1e6 / (ms / 1000);
  console.log(
    `seal+open ${n} x ${datagram.length} B: ${ms.toFixed(0)} ms, ` +
      `${(n / ms * 1000).toFixed(0)} datagrams/s, ${mbps.toFixed(1)} MB/s, ` +
      `${(ms * 1000 / n).toFixed(1)} us per seal+open`,
  );
});
