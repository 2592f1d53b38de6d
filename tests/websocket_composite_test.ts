import assert from "node:assert/strict";
import { MultiplayerError } from "../protocol/errors.ts";
import { CompositeTransport } from "../transport/composite_transport.ts";
import type { DatagramHandler, DatagramTransport } from "../transport/carrier.ts";
import type { PeerAddress } from "../protocol/address.ts";
import { WebSocketServerTransport } from "../transport/websocket/server_transport.ts";
import { WebSocketClientTransport } from "../transport/websocket/client_transport.ts";

/** An untagged, unreliable in-memory carrier standing in for UDP. */
class FakeUdp implements DatagramTransport {
  readonly maxDatagramSize = 1200;
  readonly reliable = false;
  readonly localAddress: PeerAddress = { hostname: "127.0.0.1", port: 4000 };
  readonly sent: { bytes: Uint8Array; to: PeerAddress }[] = [];
  handler?: DatagramHandler;
  closed = false;
  listen(handler: DatagramHandler): void {
    this.handler = handler;
  }
  send(bytes: Uint8Array, to: PeerAddress): boolean {
    this.sent.push({ bytes, to });
    return true;
  }
  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

Deno.test("composite carrier routes by tag and tags inbound addresses", async () => {
  const udp = new FakeUdp();
  const ws = await WebSocketServerTransport.listen({ port: 0, hostname: "127.0.0.1" });
  const both = new CompositeTransport({ udp, ws });
  assert.equal(both.maxDatagramSize, 1200);
  assert.equal(both.reliable, false);
  assert.equal(both.localAddress.transport, "udp");
  const inbound: { byte: number; from: PeerAddress }[] = [];
  const wsArrived = Promise.withResolvers<void>();
  both.listen((bytes, from) => {
    inbound.push({ byte: bytes[0], from });
    if (from.transport === "ws") wsArrived.resolve();
  });
  const closedReports: PeerAddress[] = [];
  const closedReported = Promise.withResolvers<void>();
  both.onPeerClosed((address) => {
    closedReports.push(address);
    closedReported.resolve();
  });

  udp.handler!(new Uint8Array([1]), { hostname: "10.0.0.2", port: 5000 });
  const client = await WebSocketClientTransport.connect(`ws://127.0.0.1:${ws.localAddress.port}`);
  const echoed = Promise.withResolvers<number>();
  client.listen((bytes) => echoed.resolve(bytes[0]));
  client.send(new Uint8Array([2]), client.serverAddress);
  await wsArrived.promise;

  const udpFrom = inbound[0].from;
  const wsFrom = inbound[1].from;
  assert.deepEqual(udpFrom, { hostname: "10.0.0.2", port: 5000, transport: "udp" });
  assert.equal(wsFrom.transport, "ws");
  assert.equal(both.reliableFor(udpFrom), false);
  assert.equal(both.reliableFor(wsFrom), true);

  assert.ok(both.send(new Uint8Array([3]), udpFrom));
  assert.ok(both.send(new Uint8Array([4]), wsFrom));
  assert.ok(both.send(new Uint8Array([5]), { hostname: "10.0.0.3", port: 1 })); // untagged = udp
  assert.equal(both.send(new Uint8Array([6]), { hostname: "x", port: 1, transport: "rtc" }), false);
  assert.equal(await echoed.promise, 4);
  assert.deepEqual(udp.sent.map((s) => s.bytes[0]), [3, 5]);

  await client.close();
  await closedReported.promise;
  assert.equal(closedReports[0].transport, "ws");
  assert.equal(closedReports[0].port, wsFrom.port);
  await both.close();
  assert.ok(udp.closed);
  assert.equal(ws.socketCount, 0);
});

Deno.test("composite carrier rejects an empty set of children", () => {
  assert.throws(() => new CompositeTransport({}), MultiplayerError);
});
