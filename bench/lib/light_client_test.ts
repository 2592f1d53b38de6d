import assert from "node:assert/strict";
import { LightCrowd } from "./light_client.ts";
import {
  generateServerIdentity,
  TARGET_PEER_BROADCAST,
  TransferMode,
  UdpMultiplayerPeer,
} from "../../mod.ts";

Deno.test("light clients connect to a UDP server, send inputs and read its broadcast", async () => {
  const server = new UdpMultiplayerPeer();
  await server.createServer(0, { bindAddress: "127.0.0.1" });
  let joined = 0;
  server.addEventListener("peer_connected", () => joined++);
  const received: number[] = [];
  const crowd = new LightCrowd(server.localPort, (d) => received.push(d[0]));
  const service = setInterval(() => crowd.service(performance.now()), 5);
  try {
    const attempts = [crowd.connect(), crowd.connect()];
    // bounded: the server's poll answers the handshakes while the clients wait
    for (let i = 0; i < 200 && joined < 2; i++) {
      await server.poll(10);
    }
    const clients = (await Promise.all(attempts)).map((r) => r.client);
    assert.equal(joined, 2);
    assert.ok(clients.every((c) => c?.state === "connected"));
    assert.equal(clients[0]!.put(new Uint8Array([7, 1])), true);
    assert.equal(clients[1]!.put(new Uint8Array([7, 2])), true);
    const inputs: number[] = [];
    for (let i = 0; i < 200 && inputs.length < 2; i++) {
      await server.poll(10);
      while (server.getAvailablePacketCount() > 0) inputs.push(server.getPacket()![1]);
    }
    assert.deepEqual(inputs.sort(), [1, 2]);
    server.transferMode = TransferMode.UNRELIABLE_ORDERED;
    server.setTargetPeer(TARGET_PEER_BROADCAST);
    server.putPacket(new Uint8Array([42]));
    for (let i = 0; i < 200 && received.length < 2; i++) await server.poll(10);
    assert.deepEqual(received, [42, 42]);
    const counters = clients[0]!.counters();
    assert.ok(counters.sent >= 1 && counters.received >= 1, JSON.stringify(counters));
  } finally {
    clearInterval(service);
    crowd.close();
    await server.close();
  }
});

Deno.test("a light client with no server to answer fails within its timeout", async () => {
  // a bound socket that never answers: the attempt times out instead of hanging
  const silent = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const port = (silent.addr as Deno.NetAddr).port;
  const crowd = new LightCrowd(port, () => {});
  const service = setInterval(() => crowd.service(performance.now()), 5);
  try {
    const { client, failure } = await crowd.connect(300);
    assert.equal(client, undefined);
    assert.ok(failure !== undefined);
    assert.equal(crowd.clients.length, 0);
  } finally {
    clearInterval(service);
    crowd.close();
    silent.close();
  }
});

Deno.test("encrypted light clients pin the server's key and exchange sealed packets", async () => {
  const identity = await generateServerIdentity();
  const server = new UdpMultiplayerPeer();
  await server.createServer(0, {
    bindAddress: "127.0.0.1",
    encryption: true,
    serverIdentity: identity,
  });
  let joined = 0;
  server.addEventListener("peer_connected", () => joined++);
  const received: number[] = [];
  const crowd = new LightCrowd(server.localPort, (d) => received.push(d[0]), identity.publicKey);
  const service = setInterval(() => crowd.service(performance.now()), 5);
  try {
    const attempt = crowd.connect();
    for (let i = 0; i < 300 && joined < 1; i++) await server.poll(10);
    const { client } = await attempt;
    assert.equal(client?.state, "connected");
    assert.equal(client!.put(new Uint8Array([9, 3])), true);
    let input: number | undefined;
    for (let i = 0; i < 200 && input === undefined; i++) {
      await server.poll(10);
      if (server.getAvailablePacketCount() > 0) input = server.getPacket()![1];
    }
    assert.equal(input, 3);
    server.transferMode = TransferMode.UNRELIABLE_ORDERED;
    server.setTargetPeer(TARGET_PEER_BROADCAST);
    server.putPacket(new Uint8Array([77]));
    for (let i = 0; i < 200 && received.length < 1; i++) await server.poll(10);
    assert.deepEqual(received, [77]);
  } finally {
    clearInterval(service);
    crowd.close();
    await server.close();
  }
});

Deno.test("an encrypted light client refuses a server with another identity", async () => {
  const identity = await generateServerIdentity(), other = await generateServerIdentity();
  const server = new UdpMultiplayerPeer();
  await server.createServer(0, {
    bindAddress: "127.0.0.1",
    encryption: true,
    serverIdentity: identity,
  });
  const crowd = new LightCrowd(server.localPort, () => {}, other.publicKey);
  const service = setInterval(() => crowd.service(performance.now()), 5);
  let polling = true;
  const serve = (async () => {
    for (let i = 0; i < 300 && polling; i++) await server.poll(10);
  })();
  try {
    const { client, failure } = await crowd.connect(2_000);
    assert.equal(client, undefined);
    // the server's signature does not verify against the pinned key: refused, not timed out
    assert.ok(failure !== undefined && !failure.reason.startsWith("no answer"), failure?.reason);
    assert.match(failure.reason, /^[A-Z_]+$/); // named as the full peers' failures are
  } finally {
    polling = false;
    await serve;
    clearInterval(service);
    crowd.close();
    await server.close();
  }
});
