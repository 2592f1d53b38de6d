import assert from "node:assert/strict";
import { SecureChannel } from "./secure_channel.ts";
import { deriveTrafficSecrets, SECURITY_VERSION } from "./key_schedule.ts";
import {
  PACKET_TYPE_SEALED,
  readPacketNumber,
  readSealedSession,
  SEALED_HEADER_BYTES,
  SEALED_OVERHEAD,
} from "./sealed_header.ts";
import { ChaCha20Poly1305 } from "./aead.ts";
import { MultiplayerError } from "../errors.ts";
import { SeededBytes } from "./_test_util.ts";

function pair(seed = 1) {
  const rnd = new SeededBytes(seed);
  const client = SecureChannel.fromSecrets(
    "client",
    deriveTrafficSecrets(rnd.bytes(32), rnd.bytes(32)),
  );
  const rnd2 = new SeededBytes(seed);
  const server = SecureChannel.fromSecrets(
    "server",
    deriveTrafficSecrets(rnd2.bytes(32), rnd2.bytes(32)),
  );
  return { client, server };
}

Deno.test("secure channel (pure): datagrams round trip with a fresh header each", () => {
  const { client, server } = pair();
  const rnd = new SeededBytes(2);
  const out = new Uint8Array(1400);
  for (let i = 0; i < 50; i++) {
    const datagram = rnd.bytes(i * 23);
    const sealed = client.sealDatagram(0xabcdef01, datagram);
    assert.equal(sealed.length, datagram.length + SEALED_OVERHEAD);
    assert.equal(sealed[4], PACKET_TYPE_SEALED);
    assert.equal(readSealedSession(sealed), 0xabcdef01);
    assert.equal(readPacketNumber(sealed), i);
    assert.equal(server.openDatagram(sealed, out), datagram.length);
    assert.deepEqual(out.subarray(0, datagram.length), datagram);
    const back = server.sealDatagram(7, datagram);
    assert.equal(client.openDatagram(back, out), datagram.length);
    assert.equal(client.openDatagram(sealed, out), -1, "a direction cannot open its own");
  }
  assert.equal(client.lastSealedPacketNumber, 49);
});

Deno.test("secure channel (pure): replays, reordering, tampering and bad headers", () => {
  const { client, server } = pair(3);
  const out = new Uint8Array(200);
  const sealed = Array.from(
    { length: 10 },
    (_, i) => client.sealDatagram(5, new Uint8Array(20).fill(i)),
  );
  for (const i of [3, 0, 9, 1]) assert.equal(server.openDatagram(sealed[i], out), 20, `pn ${i}`);
  assert.equal(out[0], 1);
  for (const i of [3, 0, 9, 1]) assert.equal(server.openDatagram(sealed[i], out), -1, "replay");
  // every single bit flip anywhere (header, ciphertext, tag) fails and leaves pn 2 usable
  const target = sealed[2];
  out.fill(0xee);
  for (let bit = 0; bit < target.length * 8; bit++) {
    const bad = target.slice();
    bad[bit >>> 3] ^= 1 << (bit & 7);
    assert.equal(server.openDatagram(bad, out), -1, `bit ${bit}`);
  }
  assert.ok(out.every((b) => b === 0xee), "nothing written on failure");
  assert.equal(server.openDatagram(target, out), 20);
  assert.equal(server.openDatagram(target.subarray(0, SEALED_OVERHEAD - 1), out), -1);
  const wrongMagic = sealed[4].slice();
  wrongMagic[0] = 0;
  assert.equal(server.openDatagram(wrongMagic, out), -1);
  assert.throws(() => server.openDatagram(sealed[5], new Uint8Array(19)), MultiplayerError);
});

Deno.test("secure channel (pure): nonces never repeat; the confirmation tag; wipe", () => {
  const { client, server } = pair(4);
  const header = new Uint8Array(32).fill(1);
  const confirmation = server.seal(header, new Uint8Array(0), 0);
  assert.equal(confirmation.length, 16);
  assert.deepEqual(client.open(header, confirmation, 0), new Uint8Array(0));
  assert.equal(client.open(header, confirmation, 0), undefined, "pn 0 is used up");
  assert.throws(() => server.seal(header, new Uint8Array(1), 0), MultiplayerError);
  assert.throws(() => server.seal(header, new Uint8Array(1), 0.5), MultiplayerError);
  assert.throws(() => server.seal(header, new Uint8Array(1), Number.NaN), MultiplayerError);
  assert.throws(() => server.seal(header, new Uint8Array(1), 2 ** 53), MultiplayerError);
  const next = server.sealDatagram(1, new Uint8Array(4));
  assert.equal(readPacketNumber(next), 1, "datagrams continue after the confirmation");
  // the same plaintext never gives the same bytes twice
  const a = server.sealDatagram(1, new Uint8Array(16)),
    b = server.sealDatagram(1, new Uint8Array(16));
  assert.notDeepEqual(a.subarray(SEALED_HEADER_BYTES), b.subarray(SEALED_HEADER_BYTES));
  server.wipe();
  assert.throws(() => server.sealDatagram(1, new Uint8Array(4)), MultiplayerError);
  assert.throws(() =>
    new SecureChannel(
      new Uint8Array(32),
      new Uint8Array(11),
      new Uint8Array(32),
      new Uint8Array(12),
    )
  );
  assert.equal(SECURITY_VERSION, 2);
});

Deno.test("secure channel (pure): sealed bytes are ChaCha20-Poly1305 under the derived keys", () => {
  const secrets = deriveTrafficSecrets(new Uint8Array(32).fill(9), new Uint8Array(32).fill(8));
  const c2sKey = secrets.clientToServerKey.slice(), c2sIv = secrets.clientToServerIv.slice();
  const client = SecureChannel.fromSecrets("client", secrets);
  assert.ok(secrets.clientToServerKey.every((b) => b === 0), "raw keys wiped");
  const datagram = new TextEncoder().encode("a DATA datagram");
  const sealed = client.sealDatagram(3, datagram);
  // nonce = IV xor packet number (0 here): the IV itself
  const plain = new Uint8Array(datagram.length);
  const n = new ChaCha20Poly1305(c2sKey).openAfterHeader(c2sIv, sealed, SEALED_HEADER_BYTES, plain);
  assert.equal(n, datagram.length);
  assert.deepEqual(plain, datagram);
});
