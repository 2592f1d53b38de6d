import assert from "node:assert/strict";
import { MultiplayerError } from "../protocol/errors.ts";
import type { PeerAddress } from "../protocol/address.ts";
import { WebSocketServerTransport } from "../transport/websocket/server_transport.ts";
import { WebSocketClientTransport, WsCloseCode } from "../transport/websocket/client_transport.ts";

/** Collects datagrams and resolves `next()` promises as they arrive (no sleeps). */
class Inbox {
  readonly items: { bytes: Uint8Array; from: PeerAddress }[] = [];
  #waiters: { count: number; resolve: () => void }[] = [];
  push = (bytes: Uint8Array, from: PeerAddress): void => {
    this.items.push({ bytes: bytes.slice(), from });
    this.#waiters = this.#waiters.filter((w) => {
      if (this.items.length < w.count) return true;
      w.resolve();
      return false;
    });
  };
  until(count: number): Promise<void> {
    if (this.items.length >= count) return Promise.resolve();
    const { promise, resolve } = Promise.withResolvers<void>();
    this.#waiters.push({ count, resolve });
    return promise;
  }
}

Deno.test("ws carrier: server and clients exchange datagrams with unique tagged addresses", async () => {
  const server = await WebSocketServerTransport.listen({ port: 0, hostname: "127.0.0.1" });
  assert.ok(server.localAddress.port > 0);
  assert.equal(server.localAddress.transport, "ws");
  const serverInbox = new Inbox();
  server.listen(serverInbox.push);
  const url = `ws://127.0.0.1:${server.localAddress.port}/`;
  const a = await WebSocketClientTransport.connect(url);
  const b = await WebSocketClientTransport.connect(url);
  const aInbox = new Inbox();
  const bInbox = new Inbox();
  a.listen(aInbox.push);
  b.listen(bInbox.push);
  assert.equal(a.reliable, true);
  assert.ok(a.send(new Uint8Array([1, 1]), a.serverAddress));
  assert.ok(b.send(new Uint8Array([2, 2]), b.serverAddress));
  await serverInbox.until(2);
  const from = new Map(serverInbox.items.map((i) => [i.bytes[0], i.from]));
  const fromA = from.get(1)!, fromB = from.get(2)!;
  assert.equal(fromA.transport, "ws");
  assert.equal(fromA.hostname, "127.0.0.1");
  assert.notEqual(fromA.port, fromB.port);
  // Replies go to the right socket; order over one socket is preserved.
  for (let i = 0; i < 50; i++) assert.ok(server.send(new Uint8Array([i]), fromA));
  assert.ok(server.send(new Uint8Array([99]), fromB));
  await aInbox.until(50);
  await bInbox.until(1);
  assert.deepEqual(aInbox.items.map((i) => i.bytes[0]), [...Array(50).keys()]);
  assert.equal(bInbox.items[0].bytes[0], 99);
  assert.equal(aInbox.items[0].from, a.serverAddress);
  assert.equal(server.send(new Uint8Array([0]), { ...fromA, port: 9999 }), false);
  await a.close();
  await b.close();
  await server.close();
  assert.equal(server.socketCount, 0);
});

Deno.test("ws carrier: handleUpgrade inside the user's own Deno.serve with other routes", async () => {
  const carrier = new WebSocketServerTransport();
  const inbox = new Inbox();
  carrier.listen((bytes, from) => {
    inbox.push(bytes, from);
    carrier.send(bytes, from); // echo
  });
  const http = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen() {} },
    (request, info) => {
      const path = new URL(request.url).pathname;
      if (path === "/ws") return carrier.handleUpgrade(request, info);
      if (path === "/hello") return new Response("hello route");
      return new Response("not found", { status: 404 });
    },
  );
  const base = `http://127.0.0.1:${http.addr.port}`;
  const hello = await fetch(`${base}/hello`);
  assert.equal(await hello.text(), "hello route");
  const plain = await fetch(`${base}/ws`);
  assert.equal(plain.status, 426);
  await plain.body?.cancel();
  const client = await WebSocketClientTransport.connect(`${base}/ws`); // http: maps to ws:
  const echoes = new Inbox();
  client.listen(echoes.push);
  client.send(new TextEncoder().encode("ping"), client.serverAddress);
  await echoes.until(1);
  assert.equal(new TextDecoder().decode(echoes.items[0].bytes), "ping");
  assert.equal(inbox.items[0].from.transport, "ws");
  await client.close();
  await carrier.close();
  await http.shutdown();
});

Deno.test("ws carrier: a client over the send buffer limit is dropped with a reason", async () => {
  const server = await WebSocketServerTransport.listen({
    port: 0,
    hostname: "127.0.0.1",
    maxBufferedBytes: 64 * 1024,
  });
  const closedOnServer = Promise.withResolvers<{ code: number; reason: string }>();
  server.onPeerClosed((_address, code, reason) => closedOnServer.resolve({ code, reason }));
  const inbox = new Inbox();
  server.listen(inbox.push);
  const client = await WebSocketClientTransport.connect(
    `ws://127.0.0.1:${server.localAddress.port}`,
  );
  const closedOnClient = Promise.withResolvers<{ code: number; reason: string }>();
  client.onPeerClosed((_address, code, reason) => closedOnClient.resolve({ code, reason }));
  client.send(new Uint8Array([7]), client.serverAddress);
  await inbox.until(1);
  const to = inbox.items[0].from;
  // Sends complete asynchronously, so one synchronous burst must hit the bound.
  let accepted = 0;
  for (let i = 0; i < 100; i++) {
    if (!server.send(new Uint8Array(4096), to)) break;
    accepted++;
  }
  assert.ok(accepted >= 15 && accepted < 100, `accepted ${accepted}`);
  assert.equal(server.send(new Uint8Array(1), to), false);
  const seen = await closedOnClient.promise;
  assert.equal(seen.code, WsCloseCode.BACKPRESSURE);
  assert.match(seen.reason, /65536 bytes/);
  assert.equal((await closedOnServer.promise).code, WsCloseCode.BACKPRESSURE);
  await client.close();
  await server.close();
});

Deno.test("ws carrier: text frames and oversize messages close the offending socket", async () => {
  const server = await WebSocketServerTransport.listen({
    port: 0,
    hostname: "127.0.0.1",
    maxDatagramSize: 100,
  });
  let delivered = 0;
  server.listen(() => delivered++);
  const url = `ws://127.0.0.1:${server.localAddress.port}`;
  for (const [payload, code] of [["text", 1003], [new Uint8Array(101), 1009]] as const) {
    const raw = new WebSocket(url);
    await new Promise((resolve) => raw.onopen = resolve);
    const closed = new Promise<CloseEvent>((resolve) => raw.onclose = resolve);
    raw.send(payload);
    assert.equal((await closed).code, code);
  }
  assert.equal(delivered, 0);
  await server.close();
});

Deno.test("ws carrier: connect failures are typed errors", async () => {
  await assert.rejects(WebSocketClientTransport.connect("not a url"), MultiplayerError);
  await assert.rejects(WebSocketClientTransport.connect("ftp://x/"), /ws: or wss:/);
  assert.throws(
    () => WebSocketClientTransport.open("ws://x/", { maxBufferedBytes: -1 }),
    /positive/,
  );
  // A port that was just released refuses the connection.
  const listener = Deno.listen({ port: 0, hostname: "127.0.0.1" });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  await assert.rejects(
    WebSocketClientTransport.connect(`ws://127.0.0.1:${port}`),
    (e) => e instanceof MultiplayerError && e.code === "CLOSED",
  );
  await assert.rejects(
    WebSocketClientTransport.connect(`ws://127.0.0.1:${port}`, { signal: AbortSignal.abort() }),
    /aborted/,
  );
});

Deno.test("ws carrier: datagrams sent while opening are queued and flushed in order", async () => {
  const server = await WebSocketServerTransport.listen({ port: 0, hostname: "127.0.0.1" });
  const inbox = new Inbox();
  server.listen(inbox.push);
  const client = WebSocketClientTransport.open(`ws://127.0.0.1:${server.localAddress.port}`, {
    maxBufferedBytes: 10,
  });
  assert.ok(client.send(new Uint8Array([1, 2, 3, 4]), client.serverAddress));
  assert.ok(client.send(new Uint8Array([5, 6, 7, 8]), client.serverAddress));
  assert.equal(client.send(new Uint8Array([9, 9, 9]), client.serverAddress), false); // 11 > 10
  assert.equal(client.bufferedAmount, 8);
  assert.equal(await client.opened, true);
  await inbox.until(2);
  assert.deepEqual(inbox.items.map((i) => [...i.bytes]), [[1, 2, 3, 4], [5, 6, 7, 8]]);
  await client.close();
  await server.close();
});

Deno.test("ws carrier: server close tells clients and frees the port", async () => {
  const server = await WebSocketServerTransport.listen({ port: 0, hostname: "127.0.0.1" });
  const client = await WebSocketClientTransport.connect(
    `ws://127.0.0.1:${server.localAddress.port}`,
  );
  const closed = Promise.withResolvers<number>();
  client.onPeerClosed((_a, code) => closed.resolve(code));
  await server.close();
  assert.equal(await closed.promise, WsCloseCode.GOING_AWAY);
  assert.equal(client.send(new Uint8Array(1), client.serverAddress), false);
  await client.close();
  const again = Deno.listen({ port: server.localAddress.port, hostname: "127.0.0.1" });
  again.close();
});

Deno.test("ws carrier: closeUnused closes only sockets the session does not know", async () => {
  const server = await WebSocketServerTransport.listen({ port: 0, hostname: "127.0.0.1" });
  const inbox = new Inbox();
  server.listen(inbox.push);
  const url = `ws://127.0.0.1:${server.localAddress.port}`;
  const kept = await WebSocketClientTransport.connect(url);
  const idle = await WebSocketClientTransport.connect(url);
  const idleClosed = Promise.withResolvers<string>();
  idle.onPeerClosed((_a, _code, reason) => idleClosed.resolve(reason));
  kept.send(new Uint8Array([1]), kept.serverAddress);
  await inbox.until(1);
  const known = inbox.items[0].from;
  assert.equal(server.closeUnused((a) => a.port === known.port, 60_000, "x"), 0); // in grace
  assert.equal(server.closeUnused((a) => a.port === known.port, 0, "not in the session"), 1);
  assert.equal(await idleClosed.promise, "not in the session");
  assert.ok(kept.send(new Uint8Array([2]), kept.serverAddress));
  await inbox.until(2);
  await kept.close();
  await idle.close();
  await server.close();
});
