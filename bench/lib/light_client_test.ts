import assert from "node:assert/strict";
import { LightCrowd } from "./light_client.ts";
import { TARGET_PEER_BROADCAST, TransferMode, UdpMultiplayerPeer } from "../../mod.ts";

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
