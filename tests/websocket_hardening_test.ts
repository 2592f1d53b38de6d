/**
 * The WebSocket peers against what a hostile or broken network does (issue 12's WebSocket
 * items) and Godot's wire between Deno peers: per-address caps with a dual-stack server, idle
 * sockets closed once they fail to join, a frozen reader dropped at once with the right reason
 * (the others told), a server that sends text or oversized messages, readable connect failures,
 * subprotocols, `wss://`, and Godot's framing end to end without Godot.
 */
import assert from "node:assert/strict";
import { ConnectionStatus, DisconnectReason, Vector2, WebSocketMultiplayerPeer } from "../mod.ts";
import { RawClient, testCertificates, within } from "../transport/websocket/_listener_test_util.ts";
import { WebSocketListener } from "../transport/websocket/listener.ts";
import { LivePeer, stopLive } from "./helpers/live_peer.ts";

const LONG = 10_000;

const ipv6 = (() => {
  try {
    Deno.listen({ hostname: "::1", port: 0 }).close();
    return true;
  } catch {
    return false;
  }
})();
if (!ipv6) console.warn("websocket_hardening_test: skipped: the dual-stack tests need IPv6 on ::1");

async function server(
  options: Parameters<WebSocketMultiplayerPeer["createServer"]>[1] = {},
): Promise<LivePeer<WebSocketMultiplayerPeer>> {
  const peer = new WebSocketMultiplayerPeer();
  await peer.createServer(0, { bindAddress: "127.0.0.1", ...options });
  return new LivePeer("server", peer).start();
}

async function client(
  url: string,
  options: Parameters<WebSocketMultiplayerPeer["createClient"]>[1] = {},
  label = "client",
): Promise<LivePeer<WebSocketMultiplayerPeer>> {
  const peer = new WebSocketMultiplayerPeer();
  await peer.createClient(url, options);
  return new LivePeer(label, peer).start();
}

Deno.test({
  name:
    "ws hardening: 300 idle sockets from 127.0.0.1 hold their cap, are closed unjoined; ::1 joins",
  ignore: !ipv6,
  async fn() {
    const s = await server({
      bindAddress: "::",
      maxSocketsPerAddress: 16,
      connectRate: { perSecond: 1, burst: 100_000 },
      joinTimeoutMs: 300,
    });
    const port = s.peer.localPort;
    const flood: RawClient[] = [];
    let real: LivePeer<WebSocketMultiplayerPeer> | undefined;
    try {
      const heads = await within(
        Promise.all(Array.from({ length: 300 }, async () => {
          const c = await RawClient.connect(port, "127.0.0.1");
          flood.push(c);
          return (await c.upgrade("/")).status;
        })),
        LONG,
        "flood upgrades",
      );
      const upgraded = heads.filter((h) => h === 101).length;
      assert.ok(upgraded >= 1 && upgraded <= 16, `upgraded ${upgraded}`);
      assert.ok(heads.every((h) => h === 101 || h === 503 || h === 0));
      real = await client(`ws://[::1]:${port}/`, {}, "real");
      await real.event("connection_succeeded");
      assert.ok(real.id > 1);
      // the flood never joined: its sockets are closed (1008) once the join timeout passed
      const ends = await within(
        Promise.all(flood.filter((_, i) => heads[i] === 101).map((c) => c.drainUntilEnd())),
        LONG,
        "unjoined sockets closed",
      );
      for (const events of ends) {
        const close = events.find((e) => e.kind === "close");
        assert.ok(close && close.kind === "close" && close.code === 1008, JSON.stringify(close));
      }
      assert.equal(real.peer.getConnectionStatus(), ConnectionStatus.CONNECTED);
      assert.equal(s.count("peer_connected"), 1);
    } finally {
      for (const c of flood) c.close();
      await stopLive([real, s]);
    }
  },
});

/** A child Deno process whose event loop freezes after joining (it stops reading its socket). */
async function frozenClient(url: string, freezeMs: number): Promise<Deno.ChildProcess> {
  const script = await Deno.makeTempFile({ suffix: ".ts" });
  const mod = new URL("../mod.ts", import.meta.url).href;
  await Deno.writeTextFile(
    script,
    `import { WebSocketMultiplayerPeer } from ${JSON.stringify(mod)};
const peer = new WebSocketMultiplayerPeer();
await peer.createClient(${JSON.stringify(url)});
// the server's packet says it saw us join; then the loop freezes
while (peer.getAvailablePacketCount() === 0) await peer.poll(50);
console.log("joined");
const end = Date.now() + ${freezeMs};
while (Date.now() < end) { /* frozen: nothing is read */ }
Deno.exit(0);
`,
  );
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-net", "--allow-read", "--unstable-net", script],
    stdout: "piped",
    stderr: "null",
  }).spawn();
}

Deno.test("ws hardening: a frozen reader is dropped at once with BACKPRESSURE and the others are told", async () => {
  const s = await server({ stallTimeoutMs: 400 });
  const url = `ws://127.0.0.1:${s.peer.localPort}/`;
  const other = await client(url, {}, "other");
  const child = await frozenClient(url, 8000);
  try {
    await other.event("connection_succeeded");
    await s.until(() => s.count("peer_connected") === 2, "both joined");
    const frozenId = s.events.filter((e) => e.type === "peer_connected")
      .map((e) => e.id!).find((id) => id !== other.id)!;
    s.peer.setTargetPeer(frozenId);
    s.peer.putPacket(new Uint8Array([1])); // "you are in": the child freezes on it
    const reader = child.stdout.getReader();
    const first = await within(reader.read(), LONG, "child joined");
    assert.match(new TextDecoder().decode(first.value), /joined/);
    reader.releaseLock();
    // stream to it until the session drops it: it must be told within the stall timeout
    const started = performance.now();
    const chunk = new Uint8Array(60_000);
    s.peer.setTargetPeer(frozenId);
    while (s.count("peer_disconnected", frozenId) === 0 && performance.now() - started < 6000) {
      try {
        s.peer.putPacket(chunk);
      } catch {
        // QUEUE_FULL: the application hears of the backlog, never silently
      }
      await s.peer.poll(1);
    }
    const dropped = await s.event("peer_disconnected", frozenId);
    assert.equal(dropped.reason, DisconnectReason.BACKPRESSURE);
    assert.ok(dropped.at - started < 4000, `dropped after ${dropped.at - started} ms`);
    await other.event("peer_disconnected", frozenId);
    assert.equal(other.peer.getConnectionStatus(), ConnectionStatus.CONNECTED);
  } finally {
    child.kill();
    await child.status;
    await child.stdout.cancel().catch(() => {});
    await stopLive([other, s]);
  }
});

Deno.test("ws hardening: a server sending text or an oversized message: the client closes, says why", async () => {
  for (const bad of ["text", "big"] as const) {
    const listener = await WebSocketListener.listen({
      hostname: "127.0.0.1",
      port: 0,
      maxMessageBytes: 1 << 20,
      onConnection: (c) => {
        c.claim();
        if (bad === "text") c.sendText("hello, I am a chat server");
        else c.send(new Uint8Array(200_000));
      },
    });
    const c = await client(`ws://127.0.0.1:${listener.localAddress.port}/`);
    try {
      const failed = await c.event("connection_failed");
      assert.match(
        failed.message ?? "",
        bad === "text" ? /sent a text message/ : /message of 200000 bytes/,
      );
      assert.equal(failed.reason, DisconnectReason.PROTOCOL_ERROR);
      assert.equal(c.peer.getConnectionStatus(), ConnectionStatus.DISCONNECTED);
    } finally {
      await stopLive([c]);
      await listener.close();
    }
  }
});

Deno.test("ws hardening: connect failures say what happened: full, not an endpoint, nothing there", async () => {
  const full = await server({ maxSockets: 1 });
  const plain = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => new Response("hello"),
  );
  const udp = Deno.listenDatagram({ hostname: "127.0.0.1", port: 0, transport: "udp" });
  const peers: LivePeer[] = [];
  try {
    const first = await client(`ws://127.0.0.1:${full.peer.localPort}/`);
    peers.push(first);
    await first.event("connection_succeeded");
    const cases: [string, RegExp][] = [
      [`ws://127.0.0.1:${full.peer.localPort}/`, /refused the connection \(HTTP 503/],
      [`ws://127.0.0.1:${plain.addr.port}/`, /not a WebSocket multiplayer endpoint \(HTTP 200\)/],
      [
        `ws://127.0.0.1:${(udp.addr as Deno.NetAddr).port}/`,
        /nothing accepts WebSocket connections .* UDP-only port/,
      ],
    ];
    for (const [url, expected] of cases) {
      const c = await client(url);
      peers.push(c);
      const failed = await c.event("connection_failed");
      assert.match(failed.message ?? "", expected);
    }
  } finally {
    await stopLive([...peers, full]);
    udp.close();
    await plain.shutdown();
  }
});

Deno.test("ws hardening: subprotocols and paths choose who gets in, and on which wire", async () => {
  const s = await server({
    paths: { "/native": "native", "/godot": "godot" },
    protocols: ["game-v2", "game-v1"],
  });
  const base = `ws://127.0.0.1:${s.peer.localPort}`;
  const peers: LivePeer[] = [];
  try {
    const none = await client(`${base}/native`, { protocols: ["other"] });
    const nowhere = await client(`${base}/elsewhere`, { protocols: ["game-v1"] });
    const native = await client(`${base}/native`, { protocols: ["game-v1"] });
    const godot = await client(`${base}/godot`, { protocols: ["game-v2"], wire: "godot" });
    peers.push(none, nowhere, native, godot);
    assert.match((await none.event("connection_failed")).message ?? "", /HTTP 400/);
    assert.match((await nowhere.event("connection_failed")).message ?? "", /HTTP 404/);
    await native.event("connection_succeeded");
    await godot.event("connection_succeeded");
    // one session: each sees the other, whatever its wire
    await native.event("peer_connected", godot.id);
    await godot.event("peer_connected", native.id);
    native.peer.setTargetPeer(godot.id);
    native.peer.putPacket(new Uint8Array([1, 2, 3]));
    await godot.until(() => godot.packets.length === 1, "relayed across wires");
    assert.deepEqual([godot.packets[0].from, [...godot.packets[0].data]], [native.id, [1, 2, 3]]);
  } finally {
    await stopLive([...peers, s]);
  }
});

Deno.test("ws hardening: Godot's wire between Deno peers: ids, relay, Variants, the -1 target", async () => {
  const s = await server({ wire: "godot" });
  const url = `ws://127.0.0.1:${s.peer.localPort}/`;
  const [a, b] = [
    await client(url, { wire: "godot" }, "a"),
    await client(url, { wire: "godot" }, "b"),
  ];
  try {
    await a.event("connection_succeeded");
    await b.event("connection_succeeded");
    await a.event("peer_connected", b.id);
    a.peer.setTargetPeer(-1); // every client but the server
    a.peer.putPacket(new Uint8Array([7]));
    a.peer.setTargetPeer(1);
    b.vars = true;
    s.vars = true;
    a.peer.putVar({ pos: new Vector2(1, 2), n: 3 });
    s.peer.setTargetPeer(b.id);
    s.peer.putVar([1, "two"]);
    await b.until(() => b.packets.length === 2, "b's packets");
    await s.until(() => s.packets.length === 1, "server's value");
    // two paths (relayed, direct): either may come first
    assert.deepEqual(b.packets.map((p) => p.from).sort(), [1, a.id].sort());
    assert.deepEqual(b.packets.find((p) => p.from === 1)!.value, [1, "two"]);
    const v = s.packets[0].value as { pos: Vector2; n: number };
    assert.deepEqual([s.packets[0].from, v.pos.x, v.pos.y, Number(v.n)], [a.id, 1, 2, 3]);
    assert.throws(
      () => a.peer.putPacket(new Uint8Array(65_527)),
      (e: Error & { code?: string }) => e.code === "PACKET_TOO_LARGE" && /65526/.test(e.message),
    );
  } finally {
    await stopLive([a, b, s]);
  }
});

/** A child process connecting with `--cert`: Deno's WebSocket trusts our test CA only that way. */
async function wssClient(url: string, caFile: string, wire: string): Promise<string> {
  const script = await Deno.makeTempFile({ suffix: ".ts" });
  const mod = new URL("../mod.ts", import.meta.url).href;
  await Deno.writeTextFile(
    script,
    `import { WebSocketMultiplayerPeer } from ${JSON.stringify(mod)};
const peer = new WebSocketMultiplayerPeer();
await peer.createClient(${JSON.stringify(url)}, { wire: ${JSON.stringify(wire)} });
let ok = "";
peer.addEventListener("connection_succeeded", () => ok = "connected " + peer.getUniqueId());
peer.addEventListener("connection_failed", (e) => ok = "failed " + e.detail.message);
while (!ok) await peer.poll(50);
console.log(ok);
await peer.close();
`,
  );
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-net", "--allow-read", "--unstable-net", "--cert", caFile, script],
    stdout: "piped",
    stderr: "piped",
  }).output();
  await Deno.remove(script);
  return new TextDecoder().decode(out.stdout).trim() || new TextDecoder().decode(out.stderr);
}

Deno.test("ws hardening: wss:// with a certificate and key, for native and Godot clients", async () => {
  const certs = await testCertificates();
  const caFile = await Deno.makeTempFile({ suffix: ".pem" });
  await Deno.writeTextFile(caFile, certs.ca);
  const s = await server({
    tls: { cert: certs.cert, key: certs.key },
    paths: { "/": "native", "/godot": "godot" },
  });
  try {
    const port = s.peer.localPort;
    const native = await wssClient(`wss://localhost:${port}/`, caFile, "native");
    const godot = await wssClient(`wss://localhost:${port}/godot`, caFile, "godot");
    assert.match(native, /^connected \d+$/);
    assert.match(godot, /^connected \d+$/);
    await s.until(() => s.count("peer_connected") === 2, "two joins");
  } finally {
    await stopLive([s]);
    await Deno.remove(caFile);
  }
});

Deno.test("ws hardening: a socket that stops answering pings is dropped and the others told", async () => {
  const s = await server({ wire: "godot", pingIntervalMs: 100 });
  const url = `ws://127.0.0.1:${s.peer.localPort}/`;
  const other = await client(url, { wire: "godot" }, "other");
  const mute = await RawClient.connect(s.peer.localPort); // never answers a ping
  try {
    await other.event("connection_succeeded");
    assert.equal((await mute.upgrade("/")).status, 101);
    await s.until(() => s.count("peer_connected") === 2, "the mute socket joins");
    const muteId = s.events.filter((e) => e.type === "peer_connected").at(-1)!.id!;
    const started = performance.now();
    await s.event("peer_disconnected", muteId);
    assert.ok(performance.now() - started < 2000);
    await other.event("peer_disconnected", muteId);
    // the live client answers every ping by itself and stays
    assert.equal(other.peer.getConnectionStatus(), ConnectionStatus.CONNECTED);
  } finally {
    mute.close();
    await stopLive([other, s]);
  }
});
