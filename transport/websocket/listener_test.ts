/**
 * The WebSocket listener over real sockets on 127.0.0.1 / ::1: interop with Deno's built-in
 * WebSocket client (ws and wss), and each attack the limits defend against.
 */
import assert from "node:assert/strict";
import {
  type WebSocketConnection,
  WebSocketListener,
  type WebSocketListenerOptions,
} from "./listener.ts";
import { RawClient, testCertificates, TestWebSocket, within } from "./_listener_test_util.ts";
import { encodeFrame, FrameDecoder, Opcode } from "../../protocol/websocket/mod.ts";
import { WriteQueue } from "./_listener_write_queue.ts";
import { SeededRandom } from "../../protocol/random.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const LONG = 10_000; // failure bound of one await (never reached when things work)

// wss tests read their certificates (generated with openssl, or the committed test pair)
const tlsSkip = Deno.permissions.querySync({ name: "read" }).state === "granted"
  ? undefined
  : "the wss tests need --allow-read for their test certificates";
if (tlsSkip) console.warn(`listener_test: skipped: ${tlsSkip}`);

/** A listener whose connections are recorded and echo by default. */
async function serve(options: Partial<WebSocketListenerOptions> = {}) {
  const connections: WebSocketConnection[] = [];
  const closes: Array<{ code: number; reason: string; wasClean: boolean }> = [];
  const arrived: Array<() => void> = [];
  const closedWaiters: Array<() => void> = [];
  const listener = await WebSocketListener.listen({
    hostname: "127.0.0.1",
    port: 0,
    onConnection: (connection) => {
      connections.push(connection);
      connection.onMessage = (data, text) => connection.send(data, text);
      connection.onClose = (code, reason, wasClean) => {
        closes.push({ code, reason, wasClean });
        closedWaiters.splice(0).forEach((wake) => wake());
      };
      arrived.splice(0).forEach((wake) => wake());
    },
    ...options,
  });
  /** Resolves once `n` connections arrived. */
  const connectionCount = async (n: number) => {
    while (connections.length < n) await new Promise<void>((r) => arrived.push(r));
    return connections[n - 1];
  };
  /** Resolves once `n` server-side closes were reported. */
  const closeCount = async (n: number) => {
    while (closes.length < n) await new Promise<void>((r) => closedWaiters.push(r));
    return closes[n - 1];
  };
  return {
    listener,
    connections,
    closes,
    connectionCount,
    closeCount,
    port: listener.localAddress.port,
  };
}

Deno.test("interop: Deno's WebSocket exchanges binary and text of 0..64 KiB both ways, closes cleanly", async () => {
  const server = await serve({ maxMessageBytes: 65536 });
  try {
    const ws = await TestWebSocket.open(`ws://127.0.0.1:${server.port}/echo?x=1`);
    const connection = await server.connectionCount(1);
    assert.equal(connection.path, "/echo");
    assert.equal(connection.query, "?x=1");
    assert.equal(connection.remote.hostname, "127.0.0.1");
    assert.equal(connection.remote.transport, "ws");
    const rnd = new SeededRandom(5);
    for (const size of [0, 1, 125, 126, 127, 1000, 65535, 65536]) {
      const bytes = rnd.fill(new Uint8Array(size));
      ws.socket.send(bytes);
      assert.deepEqual(await within(ws.nextMessage(), LONG, `binary ${size}`), bytes);
      const text = "é".repeat(Math.floor(size / 2));
      ws.socket.send(text);
      assert.equal(await within(ws.nextMessage(), LONG, `text ${size}`), text);
    }
    // server-initiated messages, many small ones coalesced into few writes
    for (let i = 0; i < 200; i++) assert.equal(connection.sendText(`n${i}`), true);
    for (let i = 0; i < 200; i++) assert.equal(await ws.nextMessage(), `n${i}`);
    ws.socket.close(1000, "done");
    const clientSide = await within(ws.closed, LONG, "client close");
    assert.deepEqual(clientSide, { code: 1000, reason: "done", wasClean: true });
    assert.deepEqual(await within(server.closeCount(1), LONG, "server close"), {
      code: 1000,
      reason: "done",
      wasClean: true,
    });
    await connection.released;
    const stats = server.listener.stats;
    assert.equal(stats.connectionsOpen, 0);
    assert.equal(stats.socketsOpen, 0);
    assert.equal(stats.upgradesAccepted, 1);
    assert.ok(stats.bytesIn > 2 * 130_000 && stats.bytesOut > 2 * 130_000);
    assert.equal(connection.send(new Uint8Array(1)), false); // closed
  } finally {
    await server.listener.close();
  }
});

Deno.test("interop: a server-initiated close reaches the client with its code and reason", async () => {
  const server = await serve();
  try {
    const ws = await TestWebSocket.open(`ws://127.0.0.1:${server.port}/`);
    const connection = await server.connectionCount(1);
    connection.close(4000, "bye ✓");
    assert.equal(connection.readyState, "closing");
    assert.equal(connection.send(new Uint8Array(1)), false);
    assert.deepEqual(await within(ws.closed, LONG, "client"), {
      code: 4000,
      reason: "bye ✓",
      wasClean: true,
    });
    const serverSide = await within(server.closeCount(1), LONG, "server");
    assert.equal(serverSide.code, 4000); // the client's echo
    assert.equal(serverSide.wasClean, true);
    assert.throws(() => connection.close(1005)); // not a sendable code
  } finally {
    await server.listener.close();
  }
});

Deno.test("interop: subprotocol negotiation, routing by path, and refusals the client sees", async () => {
  const seen: string[][] = [];
  const server = await serve({
    accept: (request) => {
      seen.push([...request.protocols]);
      if (request.path === "/wrong-protocol") return { accept: true, protocol: "not-offered" };
      if (request.path !== "/game") return { accept: false, status: 404, reason: "no such game" };
      const protocol = ["v2", "v1"].find((p) => request.protocols.includes(p));
      return protocol === undefined
        ? { accept: false, status: 400, reason: "speak v1 or v2" }
        : { accept: true, protocol };
    },
  });
  try {
    const ws = await TestWebSocket.open(`ws://127.0.0.1:${server.port}/game`, {
      protocols: ["v1", "v2"],
    });
    assert.equal(ws.socket.protocol, "v2");
    assert.equal((await server.connectionCount(1)).protocol, "v2");
    assert.deepEqual(seen[0], ["v1", "v2"]);
    ws.socket.close();
    await within(ws.closed, LONG, "close");

    await assert.rejects(TestWebSocket.open(`ws://127.0.0.1:${server.port}/nowhere`));
    // the raw client sees the status and the reason
    const raw = await RawClient.connect(server.port);
    const notFound = await within(raw.upgrade("/nowhere"), LONG, "404");
    raw.close();
    assert.equal(notFound.status, 404);
    assert.equal(notFound.body, "no such game\n");
    const raw2 = await RawClient.connect(server.port);
    const wrong = await within(
      raw2.upgrade("/wrong-protocol", ["Sec-WebSocket-Protocol: v1"]),
      LONG,
      "500",
    );
    raw2.close();
    assert.equal(wrong.status, 500);
    const stats = server.listener.stats;
    assert.equal(stats.refused.rejected, 2);
    assert.equal(stats.callbackErrors, 1); // the unoffered subprotocol
  } finally {
    await server.listener.close();
  }
});

Deno.test({
  name:
    "interop: wss:// with a test CA (Deno's WebSocket with an HttpClient, and a raw TLS client)",
  ignore: tlsSkip !== undefined,
  async fn() {
    const { ca, cert, key, source } = await testCertificates();
    const server = await serve({ tls: { cert, key } });
    const client = Deno.createHttpClient({ caCerts: [ca] });
    try {
      assert.equal(server.listener.localAddress.transport, "wss");
      const ws = await TestWebSocket.open(`wss://localhost:${server.port}/secure`, { client });
      const connection = await server.connectionCount(1);
      assert.equal(connection.remote.transport, "wss");
      const big = new SeededRandom(1).fill(new Uint8Array(40_000));
      ws.socket.send(big);
      assert.deepEqual(
        await within(ws.nextMessage(), LONG, `echo over TLS (${source} certs)`),
        big,
      );
      ws.socket.close(1000);
      assert.equal((await within(ws.closed, LONG, "close")).wasClean, true);

      const raw = await RawClient.connect(server.port, "localhost", [ca]);
      const head = await within(raw.upgrade("/raw"), LONG, "raw TLS upgrade");
      assert.equal(head.status, 101);
      assert.equal(head.headers.get("sec-websocket-accept"), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
      await raw.sendFrame(Opcode.TEXT, enc.encode("over tls"));
      assert.deepEqual(await within(raw.nextEvent(), LONG, "raw echo"), {
        kind: "message",
        data: enc.encode("over tls"),
        text: true,
      });
      await raw.sendClose(1000);
      assert.deepEqual(await raw.drainUntilEnd(), [{ kind: "close", code: 1000, reason: "" }]);
      raw.close();
    } finally {
      client.close();
      await server.listener.close();
    }
  },
});

Deno.test({
  name: "interop: over TLS, a client past a limit gets its 503 inside the TLS session",
  ignore: tlsSkip !== undefined,
  async fn() {
    const { ca, cert, key } = await testCertificates();
    const server = await serve({ tls: { cert, key }, maxSocketsPerAddress: 1 });
    try {
      const first = await RawClient.connect(server.port, "localhost", [ca]);
      assert.equal((await within(first.upgrade("/"), LONG, "first")).status, 101);
      const second = await RawClient.connect(server.port, "localhost", [ca]);
      const refused = await within(second.upgrade("/"), LONG, "second");
      assert.equal(refused.status, 503);
      assert.equal(refused.body, "too many connections from your address\n");
      second.close();
      first.close();
      await within(server.closeCount(1), LONG, "first released");
      assert.equal(server.listener.stats.refused.perAddress, 1);
    } finally {
      await server.listener.close();
    }
  },
});

Deno.test("listener: close() sends 1001 to every client and resolves once all are released", async () => {
  const server = await serve();
  const clients = await Promise.all(
    [0, 1, 2].map(() => TestWebSocket.open(`ws://127.0.0.1:${server.port}/`)),
  );
  await server.connectionCount(3);
  const pendingRaw = await RawClient.connect(server.port); // mid-handshake: just dropped
  await pendingRaw.write("GET / HTTP/1.1\r\n");
  await within(server.listener.close(), LONG, "listener close");
  for (const ws of clients) {
    const info = await within(ws.closed, LONG, "client closed");
    assert.equal(info.code, 1001);
    assert.equal(info.reason, "server shutting down");
  }
  assert.equal((await within(pendingRaw.nextEvent(), LONG, "pending dropped")).kind, "end");
  pendingRaw.close();
  assert.equal(server.closes.length, 3);
  assert.equal(server.listener.stats.socketsOpen, 0);
  await assert.rejects(Deno.connect({ hostname: "127.0.0.1", port: server.port }));
  await server.listener.close(); // idempotent
});

Deno.test("listener: protocol violations close with the right code; pings get pongs", async () => {
  const server = await serve();
  try {
    const cases: Array<[string, (c: RawClient) => Promise<unknown>, number]> = [
      [
        "unmasked frame",
        (c) => c.sendFrame(Opcode.BINARY, new Uint8Array(3), { unmasked: true }),
        1002,
      ],
      ["invalid UTF-8 text", (c) => c.sendFrame(Opcode.TEXT, new Uint8Array([0xc0, 0x80])), 1007],
      ["continuation first", (c) => c.sendFrame(Opcode.CONTINUATION, new Uint8Array(1)), 1002],
      ["reserved opcode", (c) => c.write(new Uint8Array([0x83, 0x80, 1, 2, 3, 4])), 1002],
      [
        "declared 65537 bytes",
        (c) => c.write(new Uint8Array([0x82, 0xff, 0, 0, 0, 0, 0, 1, 0, 1])),
        1009,
      ],
    ];
    for (const [name, act, code] of cases) {
      const raw = await RawClient.connect(server.port);
      assert.equal((await raw.upgrade()).status, 101, name);
      await act(raw);
      const close = await within(raw.nextEvent(), LONG, name);
      assert.ok(close.kind === "close" && close.code === code, `${name}: ${JSON.stringify(close)}`);
      raw.close(); // the server lingers for our end (bounded by closeTimeoutMs), then lets go
    }
    const s = server.listener.stats;
    assert.deepEqual(
      [s.closed.protocolError, s.closed.invalidUtf8, s.closed.oversizedMessage],
      [3, 1, 1],
    );

    // a ping is answered with the same payload; frames sent along with the head are kept
    const raw = await RawClient.connect(server.port);
    const mask = new Uint8Array([9, 9, 9, 9]);
    await raw.write(RawClient.upgradeRequest("/"));
    await raw.write(encodeFrame(Opcode.PING, enc.encode("are you there"), { mask }));
    assert.equal((await raw.readResponse()).status, 101);
    assert.deepEqual(await within(raw.nextEvent(), LONG, "pong"), {
      kind: "pong",
      data: enc.encode("are you there"),
    });
    raw.close();
  } finally {
    await server.listener.close();
  }
});

Deno.test("listener: malformed upgrade requests get 400/426/431 with a reason, then the socket closes", async () => {
  const server = await serve();
  try {
    const cases: Array<[string, number, RegExp]> = [
      ["GET / HTTP/1.1\r\nHost: a\r\n\r\n", 400, /not a WebSocket upgrade/],
      [RawClient.upgradeRequest("/").replace("Version: 13", "Version: 8"), 426, /version/],
      [RawClient.upgradeRequest("/").replace("dGhlIHNhbXBsZSBub25jZQ==", "short"), 400, /Key/],
      ["POST / HTTP/1.1\r\nHost: a\r\n\r\n", 400, /GET/],
      ["\x16\x03\x01\x00\xa5\x01\x00", 400, /control character/], // TLS hello on a plain port
      ["GET /" + "a".repeat(5000) + " HTTP/1.1\r\n", 431, /too long/],
    ];
    for (const [request, status, reason] of cases) {
      const raw = await RawClient.connect(server.port);
      await raw.write(request);
      const response = await within(raw.readResponse(), LONG, request.slice(0, 20));
      raw.close();
      assert.equal(response.status, status, request.slice(0, 40));
      assert.match(response.body, reason);
      if (status === 426) assert.equal(response.headers.get("sec-websocket-version"), "13");
    }
    assert.equal(server.listener.stats.refused.badRequest, cases.length);
    assert.equal(server.listener.stats.socketsOpen, 0);
  } finally {
    await server.listener.close();
  }
});

const ipv6 = (() => {
  try {
    Deno.listen({ hostname: "::1", port: 0 }).close();
    return true;
  } catch {
    return false;
  }
})();
if (!ipv6) console.warn("listener_test: skipped: the dual-stack flood test needs IPv6 on ::1");

Deno.test({
  name:
    "attack: 2000 idle sockets from 127.0.0.1 hold at most their per-address cap; ::1 still gets in",
  ignore: !ipv6,
  async fn() {
    const server = await serve({
      hostname: "::",
      maxSocketsPerAddress: 16,
      maxPendingUpgradesPerAddress: 4,
      connectRate: { perSecond: 1, burst: 100_000 }, // this test is about the caps, not the rate
      idleTimeoutMs: 0,
    });
    const flood: RawClient[] = [];
    try {
      // 1000 that finish the upgrade and then never send (in waves, so some get through)
      let upgraded = 0;
      for (let wave = 0; wave < 20; wave++) {
        const clients = await Promise.all(
          Array.from({ length: 50 }, () => RawClient.connect(server.port, "127.0.0.1")),
        );
        flood.push(...clients);
        const heads = await within(
          Promise.all(clients.map((c) => c.upgrade("/"))),
          LONG,
          `wave ${wave}`,
        );
        for (const head of heads) {
          if (head.status === 101) upgraded++;
          else assert.ok(head.status === 503 || head.status === 0, `status ${head.status}`);
        }
      }
      // 1000 that connect and never send a byte
      for (let wave = 0; wave < 10; wave++) {
        flood.push(
          ...await Promise.all(
            Array.from({ length: 100 }, () => RawClient.connect(server.port, "127.0.0.1")),
          ),
        );
      }
      // accepted in order, so once this client is in, every flood socket has been admitted or refused
      const real = await within(
        TestWebSocket.open(`ws://[::1]:${server.port}/`),
        LONG,
        "::1 client",
      );
      real.socket.send("still serving");
      assert.equal(await within(real.nextMessage(), LONG, "echo"), "still serving");
      const stats = server.listener.stats;
      const held = server.listener.socketsFrom("127.0.0.1");
      assert.ok(upgraded >= 1 && upgraded <= 16, `upgraded ${upgraded}`);
      assert.ok(held <= 16, `held ${held}`);
      assert.equal(held, Math.min(16, upgraded + 4)); // the never-sending wave filled the pending cap
      assert.equal(server.listener.socketsFrom("::1"), 1);
      assert.equal(stats.socketsOpen, held + 1);
      assert.equal(stats.refused.perAddress + stats.refused.pendingPerAddress, 2000 - held);
      assert.equal(stats.refused.full + stats.refused.rate, 0);
      real.socket.close();
      await within(real.closed, LONG, "real close");
    } finally {
      for (const c of flood) c.close();
      await server.listener.close();
    }
  },
});

Deno.test("attack: a flooder reconnecting as fast as it can stays rate limited", async () => {
  const server = await serve({ connectRate: { perSecond: 10, burst: 20 } });
  try {
    const started = performance.now();
    let admitted = 0, limited = 0;
    // as fast as it can for half a second (bounded by attempts too)
    let attempts = 0;
    for (; attempts < 5000 && performance.now() - started < 500; attempts++) {
      const raw = await RawClient.connect(server.port);
      const head = await within(raw.upgrade("/"), LONG, `attempt ${attempts}`);
      if (head.status === 101) admitted++;
      else if (head.status === 503 && /slow down/.test(head.body)) limited++;
      raw.close();
    }
    const seconds = (performance.now() - started) / 1000;
    assert.equal(admitted + limited, attempts);
    assert.ok(attempts > 100, `only ${attempts} attempts`);
    assert.ok(admitted >= 20, `admitted ${admitted}`);
    assert.ok(admitted <= 20 + Math.ceil(10 * seconds) + 1, `admitted ${admitted} in ${seconds}s`);
    assert.equal(server.listener.stats.refused.rate, limited);
  } finally {
    await server.listener.close();
  }
});

Deno.test("attack: 8 sockets each declaring a 60 MiB frame are refused with 1009 before buffering", async () => {
  const server = await serve({
    connectRate: { perSecond: 100, burst: 100 },
    maxPendingUpgradesPerAddress: 8,
  });
  try {
    const clients = await Promise.all(
      Array.from({ length: 8 }, () => RawClient.connect(server.port)),
    );
    for (const c of clients) {
      const head = await c.upgrade();
      assert.equal(head.status, 101, head.body);
    }
    const before = Deno.memoryUsage().rss;
    const size = 60 * 1024 * 1024;
    const header = new Uint8Array([
      0x82,
      0xff,
      0,
      0,
      0,
      0,
      size >>> 24,
      (size >>> 16) & 0xff,
      0,
      0,
      1,
      2,
      3,
      4,
    ]);
    const chunk = new Uint8Array(256 * 1024);
    const outcomes = await within(
      Promise.all(clients.map(async (c) => {
        await c.write(header);
        // keep streaming payload until the server's verdict arrives
        let stop = false;
        const verdict = c.nextEvent().finally(() => stop = true);
        let sent = 0;
        while (!stop && sent < size) {
          if (!(await c.write(chunk))) break;
          sent += chunk.length;
        }
        return await verdict;
      })),
      LONG,
      "verdicts",
    );
    const growth = (Deno.memoryUsage().rss - before) / (1024 * 1024);
    for (const event of outcomes) {
      assert.deepEqual(event, { kind: "close", code: 1009, reason: "message over 65536 bytes" });
    }
    assert.equal(server.listener.stats.closed.oversizedMessage, 8);
    assert.ok(growth < 20, `RSS grew ${growth.toFixed(1)} MiB`);
    for (const c of clients) c.close();
  } finally {
    await server.listener.close();
  }
});

Deno.test("attack: slowloris requests are cut at the header deadline, at most 4 held per address", async () => {
  const headerTimeoutMs = 300;
  const server = await serve({ headerTimeoutMs, connectRate: { perSecond: 100, burst: 100 } });
  try {
    const started = performance.now();
    const results = await within(
      Promise.all(Array.from({ length: 20 }, async () => {
        const raw = await RawClient.connect(server.port);
        await raw.write("GET / HTTP/1.1\r\nHost: a\r\n"); // and never the blank line
        const response = await raw.readResponse();
        raw.close();
        return { status: response.status, after: performance.now() - started };
      })),
      LONG,
      "slowloris",
    );
    const timedOut = results.filter((r) => r.status === 408);
    const refused = results.filter((r) => r.status === 503);
    assert.equal(timedOut.length, 4);
    assert.equal(refused.length, 16);
    for (const r of timedOut) {
      assert.ok(
        r.after >= headerTimeoutMs * 0.9 && r.after < headerTimeoutMs + 2000,
        `${r.after} ms`,
      );
    }
    // a drip-feeder that sends a byte every 50 ms is cut at the same deadline
    const drip = await RawClient.connect(server.port);
    const dripStart = performance.now();
    const request = RawClient.upgradeRequest(
      "/",
      Array.from({ length: 20 }, (_, i) => `X-Pad-${i}: ${"p".repeat(20)}`),
    );
    let stop = false;
    const dripping = (async () => {
      for (let i = 0; i < request.length && !stop; i++) {
        if (!(await drip.write(request[i]))) break;
        await new Promise((r) => setTimeout(r, 50)); // pacing of the attack, not synchronisation
      }
    })();
    const response = await within(drip.readResponse(), LONG, "drip");
    stop = true;
    await dripping;
    drip.close();
    assert.equal(response.status, 408);
    const elapsed = performance.now() - dripStart;
    assert.ok(
      elapsed >= headerTimeoutMs * 0.9 && elapsed < headerTimeoutMs + 2000,
      `${elapsed} ms`,
    );
    const stats = server.listener.stats;
    assert.equal(stats.refused.headerTimeout, 5);
    assert.equal(stats.refused.pendingPerAddress, 16);
    assert.equal(stats.socketsOpen, 0);
  } finally {
    await server.listener.close();
  }
});

Deno.test("attack: a client that stops reading: the queue stays bounded and send() says false", async () => {
  const maxBufferedBytes = 1 << 20;
  const server = await serve({
    maxBufferedBytes,
    lowWaterMarkBytes: 64 * 1024,
    closeTimeoutMs: 500,
  });
  try {
    const raw = await RawClient.connect(server.port);
    assert.equal((await raw.upgrade()).status, 101);
    const connection = await server.connectionCount(1);
    const message = new Uint8Array(64 * 1024);
    let accepted = 0;
    // fill until send() refuses, let the write loop move bytes into the kernel, repeat: once
    // the socket buffers are full nothing moves and send() keeps refusing
    let refusedRounds = 0;
    for (let round = 0; round < 100 && refusedRounds < 3; round++) {
      const before = accepted;
      while (connection.send(message)) accepted++;
      assert.ok(connection.bufferedAmount <= maxBufferedBytes);
      refusedRounds = accepted === before ? refusedRounds + 1 : 0;
      await new Promise((r) => setTimeout(r, 20)); // pacing: give the write loop a turn
    }
    assert.equal(refusedRounds, 3, "send() kept refusing while the client did not read");
    assert.ok(connection.bufferedAmount > maxBufferedBytes - message.length - 16);
    // everything accepted is queued or in kernel buffers: bounded, far below what was offered
    assert.ok(accepted * message.length < 64 << 20, `accepted ${accepted} messages`);
    let drained = 0;
    const drainedOnce = new Promise<void>((resolve) => {
      connection.onDrain = () => {
        drained++;
        resolve();
      };
    });
    // once the client reads again, the queue drains and onDrain fires for pacing
    let received = 0;
    const reading = (async () => {
      for (let e = await raw.nextEvent(); e.kind === "message"; e = await raw.nextEvent()) {
        received++;
        if (received === accepted) break;
      }
    })();
    await within(drainedOnce, LONG, "drain");
    assert.ok(drained >= 1);
    assert.ok(connection.bufferedAmount <= 64 * 1024);
    await within(reading, LONG, "all messages");
    assert.equal(received, accepted);
    raw.close();
    await within(server.closeCount(1), LONG, "close");
  } finally {
    await server.listener.close();
  }
});

Deno.test("listener: unclaimed idle connections are closed; claimed ones are not", async () => {
  const server = await serve({ idleTimeoutMs: 200 });
  try {
    const idle = await TestWebSocket.open(`ws://127.0.0.1:${server.port}/`);
    const kept = await TestWebSocket.open(`ws://127.0.0.1:${server.port}/`);
    (await server.connectionCount(2)).claim();
    const info = await within(idle.closed, LONG, "idle close");
    assert.deepEqual(info, { code: 1008, reason: "idle timeout", wasClean: true });
    assert.equal(server.listener.stats.closed.idleTimeout, 1);
    // the claimed one still answers after the same time
    kept.socket.send("alive");
    assert.equal(await within(kept.nextMessage(), LONG, "claimed echo"), "alive");
    kept.socket.close();
    await kept.closed;
  } finally {
    await server.listener.close();
  }
});

Deno.test("listener: liveness pings keep answering peers and drop silent ones", async () => {
  const server = await serve({ pingIntervalMs: 100 });
  try {
    const answering = await TestWebSocket.open(`ws://127.0.0.1:${server.port}/`); // Deno answers pings
    const silent = await RawClient.connect(server.port);
    assert.equal((await silent.upgrade()).status, 101);
    // the raw client reads (so it sees pings) but never answers
    const events = await within(silent.drainUntilEnd(), LONG, "silent dropped");
    assert.ok(events.length >= 1 && events.every((e) => e.kind === "ping"));
    assert.equal(server.listener.stats.closed.pingTimeout, 1);
    answering.socket.send("still here");
    assert.equal(await within(answering.nextMessage(), LONG, "answering echo"), "still here");
    assert.equal(answering.socket.readyState, WebSocket.OPEN);
    silent.close();
    answering.socket.close();
    await answering.closed;
  } finally {
    await server.listener.close();
  }
});

Deno.test("listener: throwing callbacks are caught and counted; the server keeps serving", async () => {
  const errors: unknown[] = [];
  let throwInAccept = true;
  const listener = await WebSocketListener.listen({
    hostname: "127.0.0.1",
    port: 0,
    onCallbackError: (error) => errors.push(error),
    accept: () => {
      if (throwInAccept) {
        throwInAccept = false;
        throw new Error("accept broke");
      }
      return { accept: true };
    },
    onConnection: (connection) => {
      connection.onMessage = (data) => {
        if (dec.decode(data) === "throw") throw new Error("onMessage broke");
        connection.send(data);
      };
      connection.onClose = () => {
        throw new Error("onClose broke");
      };
      throw new Error("onConnection broke");
    },
  });
  try {
    const raw = await RawClient.connect(listener.localAddress.port);
    assert.equal((await raw.upgrade()).status, 500);
    raw.close();
    const ws = await TestWebSocket.open(`ws://127.0.0.1:${listener.localAddress.port}/`);
    ws.socket.send("throw");
    ws.socket.send("echo");
    assert.deepEqual(await within(ws.nextMessage(), LONG, "echo"), enc.encode("echo"));
    ws.socket.close();
    await ws.closed;
  } finally {
    await listener.close();
  }
  assert.deepEqual(
    errors.map((e) => (e as Error).message),
    ["accept broke", "onConnection broke", "onMessage broke", "onClose broke"],
  );
  assert.equal(listener.stats.callbackErrors, 4);
  assert.equal(listener.stats.internalErrors, 0);
});

Deno.test("listener: invalid options are refused before binding", async () => {
  const onConnection = () => {};
  for (
    const bad of [
      { port: -1 },
      { port: 0, maxSockets: 0 },
      { port: 0, maxSocketsPerAddress: 1.5 },
      { port: 0, headerTimeoutMs: 0 },
      { port: 0, connectRate: { perSecond: 0, burst: 1 } },
      { port: 0, maxBufferedBytes: -5 },
    ]
  ) {
    await assert.rejects(WebSocketListener.listen({ onConnection, ...bad }), /must be|needs/);
  }
});

Deno.test("listener: an async accept is awaited; one that never answers is cut at the header deadline", async () => {
  const server = await serve({
    headerTimeoutMs: 300,
    accept: (request) =>
      request.path === "/hang"
        ? new Promise(() => {}) // never decides
        : Promise.resolve({ accept: true }),
  });
  try {
    const ws = await TestWebSocket.open(`ws://127.0.0.1:${server.port}/async`);
    ws.socket.close();
    await ws.closed;
    const raw = await RawClient.connect(server.port);
    const response = await within(raw.upgrade("/hang"), LONG, "hanging accept");
    raw.close();
    assert.equal(response.status, 408);
    assert.equal(server.listener.stats.refused.headerTimeout, 1);
    // a hanging decision of a socket still in its handshake does not hold up close()
    const raw2 = await RawClient.connect(server.port);
    await raw2.write(RawClient.upgradeRequest("/hang"));
    const closing = server.listener.close();
    assert.equal((await within(raw2.readResponse(), LONG, "dropped")).status, 0);
    await within(closing, LONG, "close with a pending decision");
    raw2.close();
  } finally {
    await server.listener.close();
  }
});

Deno.test("write queue: small frames coalesce into one view, big ones get their own, partial writes resume", () => {
  const queue = new WriteQueue();
  for (let i = 0; i < 100; i++) queue.pushFrame(Opcode.BINARY, new Uint8Array([i]));
  queue.pushFrame(Opcode.BINARY, new Uint8Array(40_000).fill(7));
  queue.pushFrame(Opcode.TEXT, enc.encode("after"));
  assert.equal(queue.bufferedAmount, 100 * 3 + 40_004 + 7);
  const first = queue.next()!;
  assert.equal(first.length, 300); // the 100 small frames, back to back
  // write them in odd pieces: the view shrinks, nothing is lost or repeated
  const out: Uint8Array[] = [];
  for (let view = queue.next(); view !== undefined; view = queue.next()) {
    const count = Math.min(view.length, 777);
    out.push(view.slice(0, count));
    queue.written(count);
  }
  assert.equal(queue.bufferedAmount, 0);
  const messages: Uint8Array[] = [];
  const decoder = new FrameDecoder(
    { message: (d) => messages.push(d.slice()), ping() {}, pong() {}, close() {} },
    { requireMask: false },
  );
  for (const piece of out) assert.equal(decoder.push(piece), 0);
  assert.equal(messages.length, 102);
  assert.deepEqual(messages[42], new Uint8Array([42]));
  assert.equal(messages[100].length, 40_000);
  assert.equal(dec.decode(messages[101]), "after");
  // frames queued while a view is in flight land after it
  queue.pushFrame(Opcode.BINARY, new Uint8Array([1]));
  const inFlight = queue.next()!;
  queue.pushFrame(Opcode.BINARY, new Uint8Array([2]));
  assert.equal(inFlight.length, 3);
  queue.written(3);
  assert.deepEqual(queue.next(), new Uint8Array([0x82, 1, 2]));
  queue.clear();
  assert.equal(queue.next(), undefined);
});

Deno.test("listener: send() refuses text that is not UTF-8 and anything after close", async () => {
  const server = await serve();
  try {
    const ws = await TestWebSocket.open(`ws://127.0.0.1:${server.port}/`);
    const connection = await server.connectionCount(1);
    assert.throws(() => connection.send(new Uint8Array([0xff]), true), /UTF-8/);
    assert.throws(() => connection.ping(new Uint8Array(126)), /125/);
    assert.throws(() => connection.close(1000, "x".repeat(124)), /reason/);
    assert.equal(connection.ping(enc.encode("hi")), true);
    assert.equal(connection.send(enc.encode("ok"), true), true);
    assert.equal(await within(ws.nextMessage(), LONG, "text"), "ok");
    ws.socket.close();
    await within(server.closeCount(1), LONG, "closed");
    assert.equal(connection.readyState, "closed");
    assert.equal(connection.sendText("late"), false);
    assert.equal(connection.ping(), false);
    await ws.closed;
  } finally {
    await server.listener.close();
  }
});

const procFds = (() => {
  try {
    Deno.readDirSync("/proc/self/fd");
    return true;
  } catch {
    return false;
  }
})();
const openFds = () => [...Deno.readDirSync("/proc/self/fd")].length;

Deno.test({
  name: "attack: TLS hellos that never come are cut at the deadline and their sockets really freed",
  ignore: tlsSkip !== undefined,
  async fn() {
    const { cert, key } = await testCertificates();
    const headerTimeoutMs = 200;
    const baseline = procFds ? openFds() : 0;
    const server = await serve({
      tls: { cert, key },
      headerTimeoutMs,
      connectRate: { perSecond: 100, burst: 100 },
    });
    const stalled: Deno.Conn[] = [];
    try {
      const started = performance.now();
      for (let i = 0; i < 20; i++) {
        stalled.push(await Deno.connect({ hostname: "127.0.0.1", port: server.port })); // no ClientHello
      }
      // every one is closed by the server: 4 at the header deadline, 16 refused (pending cap)
      const endings = await within(
        Promise.all(stalled.map(async (conn) => {
          const ended = await conn.read(new Uint8Array(64)).then((n) => n, () => null);
          return { ended, after: performance.now() - started };
        })),
        LONG,
        "stalled TLS sockets closed",
      );
      for (const { ended, after } of endings) {
        assert.equal(ended, null);
        assert.ok(after < headerTimeoutMs + 1000 + 1500, `${after} ms`);
      }
      const stats = server.listener.stats;
      assert.equal(stats.refused.headerTimeout, 4);
      assert.equal(stats.refused.pendingPerAddress, 16);
      // plain HTTP on the TLS port: the handshake fails and the socket is dropped
      const plain = await RawClient.connect(server.port);
      await plain.write(RawClient.upgradeRequest("/"));
      assert.equal((await within(plain.nextEvent(), LONG, "plain on TLS")).kind, "end");
      plain.close();
      await server.listener.close();
      // with the stalled clients still connected, no server-side socket is left behind
      if (procFds) {
        const left = openFds() - baseline - stalled.length;
        assert.ok(left <= 1, `${left} descriptors left over`);
      }
    } finally {
      for (const conn of stalled) conn.close();
      await server.listener.close();
    }
  },
});
