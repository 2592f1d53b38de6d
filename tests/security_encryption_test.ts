import assert from "node:assert/strict";
import {
  DisconnectReason,
  generateServerIdentity,
  MultiplayerError,
  UdpMultiplayerPeer,
} from "../mod.ts";
import { PACKET_TYPE_SEALED } from "../transport/secure/layer.ts";
import { readPacketNumber } from "../protocol/security/sealed_header.ts";
import { startProxy } from "./helpers/udp_proxy.ts";
import { closeAll, pumpUntil, record, reliableSoak, startSession } from "./helpers/udp_session.ts";

const LOSSY = { loss: 0.2, duplicate: 0.1, latencyMs: 30, jitterMs: 20, seed: 7 };

Deno.test("encryption: the reliable soak (2000 packets, 20% loss) passes unchanged", async () => {
  const identity = await generateServerIdentity();
  const { server, clients, all } = await startSession({
    clients: 1,
    simulation: LOSSY,
    server: { encryption: true, serverIdentity: identity },
    client: { encryption: true, serverPublicKey: identity.publicKey },
  });
  try {
    await reliableSoak(server, clients[0], all, 1000, "2000 reliable packets (encrypted)");
    assert.equal(server.peer.getAvailablePacketCount(), 0, "nothing extra");
  } finally {
    await closeAll(all);
  }
});

Deno.test("encryption: tampered datagrams are dropped; the stream stays intact", async () => {
  const server = record(new UdpMultiplayerPeer());
  await server.peer.createServer(0, { bindAddress: "127.0.0.1", encryption: true });
  const proxy = startProxy(server.peer.localPort);
  const client = record(new UdpMultiplayerPeer());
  const all = [server, client];
  let sealed = 0, tampered = 0, clear = 0;
  proxy.mangle = (bytes, toServer) => {
    if (bytes[4] === PACKET_TYPE_SEALED) sealed++;
    if (bytes[4] === 0) clear++; // a clear DATA datagram would be a leak
    // flip one bit in every 4th sealed client->server datagram (header or ciphertext)
    if (toServer && bytes[4] === PACKET_TYPE_SEALED && sealed % 4 === 0) {
      const out = bytes.slice();
      out[tampered % 2 ? 12 : out.length - 20] ^= 0x10;
      tampered++;
      return out;
    }
    return bytes;
  };
  try {
    await client.peer.createClient("127.0.0.1", proxy.port, {
      encryption: true,
      allowUnauthenticatedServer: true,
    });
    await pumpUntil(all, () => client.peer.getConnectionStatus() === 2, 5000, "connect");
    client.peer.setTargetPeer(1);
    const n = 300;
    for (let i = 0; i < n; i++) client.peer.putVar({ i, text: "payload " + i });
    let next = 0;
    await pumpUntil(
      all,
      () => {
        while (server.peer.getAvailablePacketCount() > 0) {
          assert.deepEqual(server.peer.getVar(), { i: next, text: "payload " + next });
          next++;
        }
        return next === n;
      },
      20_000,
      "stream across tampering",
    );
    assert.ok(tampered > 0, "some datagrams were tampered with");
    assert.equal(clear, 0, "no DATA datagram travels in clear");
  } finally {
    await closeAll(all);
    await proxy.close();
  }
});

Deno.test("encryption: datagrams are sealed inline, in order, within 1200 bytes", async () => {
  const server = record(new UdpMultiplayerPeer());
  await server.peer.createServer(0, { bindAddress: "127.0.0.1", encryption: true });
  const proxy = startProxy(server.peer.localPort);
  const client = record(new UdpMultiplayerPeer());
  const all = [server, client];
  const last = { up: -1, down: -1 };
  let sealed = 0, outOfOrder = 0, oversized = 0;
  proxy.mangle = (bytes, toServer) => {
    if (bytes[4] !== PACKET_TYPE_SEALED) return bytes;
    sealed++;
    const pn = readPacketNumber(bytes), key = toServer ? "up" : "down";
    if (!(pn > last[key])) outOfOrder++; // each direction's packet numbers leave increasing
    last[key] = pn;
    if (bytes.length > 1200) oversized++;
    return bytes;
  };
  try {
    await client.peer.createClient("127.0.0.1", proxy.port, {
      encryption: true,
      allowUnauthenticatedServer: true,
    });
    await pumpUntil(all, () => client.peer.getConnectionStatus() === 2, 5000, "connect");
    client.peer.setTargetPeer(1);
    server.peer.setTargetPeer(0);
    const n = 400;
    const big = new Uint8Array(3000).fill(7); // fragments into full-size datagrams
    for (let i = 0; i < n; i++) {
      client.peer.putPacket(i % 10 === 0 ? big : new Uint8Array([i & 0xff, i >> 8]));
    }
    let got = 0, echoed = 0;
    await pumpUntil(
      all,
      () => {
        while (server.peer.getAvailablePacketCount() > 0) {
          const p = server.peer.getPacket()!;
          assert.equal(p.length, got % 10 === 0 ? 3000 : 2, `packet ${got}`);
          server.peer.putPacket(p.subarray(0, 2));
          got++;
        }
        while (client.peer.getAvailablePacketCount() > 0) client.peer.getPacket(), echoed++;
        return got === n && echoed === n;
      },
      20_000,
      "stream both ways",
    );
    assert.ok(sealed > n / 10, `sealed datagrams seen: ${sealed}`);
    assert.ok(last.up > 0 && last.down > 0, "both directions sealed");
    assert.equal(outOfOrder, 0, "sealed datagrams left in packet-number order");
    assert.equal(oversized, 0, "sealed datagrams fit the 1200-byte budget");
  } finally {
    await closeAll(all);
    await proxy.close();
  }
});

async function failure(server: object, client: object) {
  const s = record(new UdpMultiplayerPeer());
  await s.peer.createServer(0, { bindAddress: "127.0.0.1", ...server });
  const c = record(new UdpMultiplayerPeer());
  try {
    await c.peer.createClient("127.0.0.1", s.peer.localPort, { connectTimeoutMs: 3000, ...client });
    await pumpUntil([s, c], () => c.peer.getConnectionStatus() !== 1, 5000, "attempt ends");
    assert.equal(s.peer.getConnectionStatus(), 2);
    return { client: c.events, server: s.events };
  } finally {
    await closeAll([s, c]);
  }
}

Deno.test("encryption: a wrong pinned server key fails the connection with CRYPTO_ERROR", async () => {
  const real = await generateServerIdentity(), other = await generateServerIdentity();
  const r = await failure(
    { encryption: true, serverIdentity: real },
    { encryption: true, serverPublicKey: other.publicKey },
  );
  assert.equal(r.client.length, 1);
  assert.equal(r.client[0].type, "connection_failed");
  assert.equal(r.client[0].reason, DisconnectReason.CRYPTO_ERROR);
  assert.match(r.client[0].message!, /pinned server key/);
  // a server without an identity cannot satisfy a pinned key either
  const r2 = await failure({ encryption: true }, {
    encryption: true,
    serverPublicKey: real.publicKey,
  });
  assert.equal(r2.client[0].reason, DisconnectReason.CRYPTO_ERROR);
});

Deno.test("encryption: pre-shared key must match; mismatched modes fail clearly", async () => {
  const psk = new Uint8Array(32).fill(7), wrong = new Uint8Array(32).fill(8);
  const ok = await failure({ encryption: true, preSharedKey: psk }, {
    encryption: true,
    preSharedKey: psk,
  });
  assert.deepEqual(ok.client.map((e) => e.type), ["peer_connected", "connection_succeeded"]);
  const bad = await failure({ encryption: true, preSharedKey: psk }, {
    encryption: true,
    preSharedKey: wrong,
  });
  assert.equal(bad.client[0].reason, DisconnectReason.CRYPTO_ERROR);
  assert.match(bad.client[0].message!, /key confirmation failed/);
  const plain = await failure({ encryption: true }, {});
  assert.equal(plain.client[0].reason, DisconnectReason.CRYPTO_ERROR);
  assert.match(plain.client[0].message!, /requires encryption/);
  const noServer = await failure({}, { encryption: true, allowUnauthenticatedServer: true });
  assert.equal(noServer.client[0].reason, DisconnectReason.CRYPTO_ERROR);
  // refused before any id is assigned (a wrong PSK: see security_confirm_test.ts)
  for (const r of [plain, noServer]) assert.deepEqual(r.server, []);
});

Deno.test("encryption: a client must authenticate the server, or opt out explicitly", async () => {
  const peer = new UdpMultiplayerPeer();
  await assert.rejects(
    peer.createClient("127.0.0.1", 9, { encryption: true }),
    (e) =>
      e instanceof MultiplayerError && /serverPublicKey|allowUnauthenticatedServer/.test(e.message),
  );
  assert.equal(peer.getConnectionStatus(), 0, "nothing started");
});
