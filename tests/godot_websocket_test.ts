/**
 * `WebSocketMultiplayerPeer` with `wire: "godot"` against real Godot 3.2 (godot3-server puppets:
 * `WebSocketClient` / `WebSocketServer` with the multiplayer API) on 127.0.0.1: Godot clients on
 * a Deno server (ids, joins, every target form with the true sender ids, an `rpc()` relayed from
 * one Godot client to another, disconnects and server close as Godot sees them), a Deno client on
 * a Godot server (Variants both ways), the socket served from a user's own `Deno.serve` next to
 * its files, and hostile input on the wire next to a live Godot client.
 *
 * Needs godot3-server and the permissions of `deno task test`; otherwise every test reports
 * itself skipped with the reason.
 */
import assert from "node:assert/strict";
import { DisconnectReason, Vector2, WebSocketMultiplayerPeer } from "../mod.ts";
import { godotSkipReason, pickPort } from "./godot/environment.ts";
import { GodotPuppet } from "./godot/puppet.ts";
import { closeAll } from "./godot/_group.ts";
import { fromHex, toHex } from "./godot/payloads.ts";
import { LivePeer, stopLive } from "./helpers/live_peer.ts";

const skip = godotSkipReason();
if (skip) console.warn(`godot_websocket_test: skipped: ${skip}`);

/** Godot's MultiplayerAPI hands a packet to `network_peer_packet` only after this byte. */
const RAW = 4;

/** A Deno WebSocket server speaking Godot's wire on `port`, pumped in the background. */
async function denoServer(
  port: number,
  options: Parameters<WebSocketMultiplayerPeer["createServer"]>[1] = {},
): Promise<LivePeer<WebSocketMultiplayerPeer>> {
  const peer = new WebSocketMultiplayerPeer();
  await peer.createServer(port, { bindAddress: "127.0.0.1", wire: "godot", ...options });
  return new LivePeer("deno-server", peer).start();
}

/** Godot WebSocket clients (multiplayer API) of `url`, each connected and announced. */
async function godotClients(url: string, n: number): Promise<GodotPuppet[]> {
  const started = await Promise.allSettled(
    Array.from({ length: n }, (_, i) =>
      GodotPuppet.start(
        { role: "client", wire: "websocket", url, api: "mp" },
        { label: `godot${String.fromCharCode(65 + i)}` },
      )),
  );
  const clients = started.flatMap((s) => s.status === "fulfilled" ? [s.value] : []);
  try {
    const failed = started.find((s) => s.status === "rejected");
    if (failed) throw failed.reason;
    for (const c of clients) await c.waitFor({ ev: "connection_succeeded" });
    return clients;
  } catch (e) {
    await closeAll(clients);
    throw e;
  }
}

/** What a Godot puppet (mp api) received: `hex from id` lines, sorted. */
function godotGot(p: GodotPuppet, prefix: string): string[] {
  return p.filter({ ev: "packet" }).filter((e) => e.hex?.startsWith(prefix))
    .map((e) => `${e.hex} from ${e.from}`).sort();
}

/** What the Deno peer received (payloads after Godot's RAW byte): `hex from id`, sorted. */
function denoGot(l: LivePeer, prefix: string): string[] {
  return l.packets.filter((p) => p.data[0] === RAW)
    .map((p) => `${toHex(p.data.subarray(1))} from ${p.from}`)
    .filter((line) => line.startsWith(prefix)).sort();
}

Deno.test({
  name: "godot ws: Godot clients on a Deno server: ids, joins, every target form, rpc, leaving",
  ignore: skip !== undefined,
  async fn() {
    const port = pickPort();
    const server = await denoServer(port);
    let godots: GodotPuppet[] = [];
    try {
      godots = await godotClients(`ws://127.0.0.1:${port}/`, 2);
      const [a, b] = godots;
      assert.ok(a.id > 1 && b.id > 1 && a.id !== b.id, `ids ${a.id} ${b.id}`);
      await server.until(
        () =>
          server.count("peer_connected", a.id) === 1 && server.count("peer_connected", b.id) === 1,
        "both joins",
      );
      await a.waitFor({ ev: "peer_connected", id: b.id });
      await b.waitFor({ ev: "peer_connected", id: a.id });
      // the server comes first, as a Godot server sends it
      const first = a.filter((e) => e.ev === "peer_connected" || e.ev === "connection_succeeded");
      assert.deepEqual(first.slice(0, 2).map((e) => e.ev), [
        "peer_connected",
        "connection_succeeded",
      ]);

      // every target form from each Godot client and from the server
      const expected = new Map<string, string[]>([["server", []], ["a", []], ["b", []]]);
      let n = 0;
      const tag = () => `a0${(n++).toString(16).padStart(4, "0")}`;
      const plan: [GodotPuppet, number, string[]][] = [
        [a, 0, ["server", "b"]],
        [a, 1, ["server"]],
        [a, b.id, ["b"]],
        [a, -b.id, ["server"]],
        [a, -1, ["b"]], // everyone but the server (Godot 3.2.3's own server keeps it too)
        [b, 0, ["server", "a"]],
        [b, a.id, ["a"]],
        [b, -a.id, ["server"]],
      ];
      for (const [from, target, receivers] of plan) {
        const hex = tag();
        await from.sendOk({ cmd: "send", hex, target });
        for (const r of receivers) expected.get(r)!.push(`${hex} from ${from.id}`);
      }
      const fromServer: [number, string[]][] = [
        [0, ["a", "b"]],
        [a.id, ["a"]],
        [-a.id, ["b"]],
        [-1, ["a", "b"]],
      ];
      for (const [target, receivers] of fromServer) {
        const hex = tag();
        server.peer.setTargetPeer(target);
        server.peer.putPacket(new Uint8Array([RAW, ...fromHex(hex)!]));
        for (const r of receivers) expected.get(r)!.push(`${hex} from 1`);
      }
      // fences: each sender's stream is ordered, so its last broadcast comes after the rest
      server.peer.setTargetPeer(0);
      server.peer.putPacket(new Uint8Array([RAW, 0xfe, 0, 1]));
      await a.sendOk({ cmd: "send", hex: "fe0002", target: 0 });
      await b.sendOk({ cmd: "send", hex: "fe0003", target: 0 });
      for (const g of [a, b]) {
        for (const fence of ["fe0001", g === a ? "fe0003" : "fe0002"]) {
          await g.waitFor({ ev: "packet", hex: fence });
        }
      }
      await server.until(() => denoGot(server, "fe").length === 2, "fences at the server");
      assert.deepEqual(denoGot(server, "a0"), expected.get("server")!.sort());
      assert.deepEqual(godotGot(a, "a0"), expected.get("a")!.sort());
      assert.deepEqual(godotGot(b, "a0"), expected.get("b")!.sort());

      // a Godot rpc() relayed from one Godot client to another, with its path cache exchange
      await a.sendOk({
        cmd: "rpc",
        method: "rpc_any",
        args: '[ "hi", Vector2( 1, 2 ) ]',
        id: b.id,
      });
      const call = await b.waitFor({ ev: "rpc", method: "rpc_any" });
      assert.deepEqual([call.from, call.args], [a.id, '[ "hi", Vector2( 1, 2 ) ]']);
      await b.sendOk({ cmd: "rpc", method: "rpc_two", args: "[ 3, 4 ]", id: 0 });
      const back = await a.waitFor({ ev: "rpc", method: "rpc_two" });
      assert.deepEqual([back.from, back.args], [b.id, "[ 3, 4 ]"]);

      // the server drops a: a is told with a close code, b learns a left
      server.peer.disconnectPeer(a.id);
      const close = await a.waitFor({ ev: "close_request" });
      assert.equal(close.code, 1000);
      await a.waitFor({ ev: "connection_failed" }); // how a Godot WebSocket client reports it
      await b.waitFor({ ev: "peer_disconnected", id: a.id });
      await server.event("peer_disconnected", a.id);

      // b leaves on its own: the server sees it at once
      await b.sendOk({ cmd: "close" });
      const left = await server.event("peer_disconnected", b.id);
      assert.equal(left.reason, DisconnectReason.CLOSED);
    } finally {
      await closeAll(godots);
      await stopLive([server]);
    }
  },
});

Deno.test({
  name:
    "godot ws: server close is seen by every Godot client; refused and full servers turn them away",
  ignore: skip !== undefined,
  async fn() {
    const port = pickPort();
    const server = await denoServer(port, { maxClients: 1 });
    let godots: GodotPuppet[] = [];
    const extra: GodotPuppet[] = [];
    try {
      godots = await godotClients(`ws://127.0.0.1:${port}/`, 1);
      const full = await GodotPuppet.start({
        role: "client",
        wire: "websocket",
        url: `ws://127.0.0.1:${port}/`,
        api: "mp",
      }, { label: "full" });
      extra.push(full);
      const refusal = await full.waitFor({ ev: "close_request" });
      assert.equal(refusal.code, 4004); // SERVER_FULL
      await full.waitFor({ ev: "connection_failed" });
      assert.equal(server.count("peer_connected"), 1);

      server.peer.refuseNewConnections = true;
      await godots[0].sendOk({ cmd: "close" });
      await server.event("peer_disconnected", godots[0].id);
      const refused = await GodotPuppet.start({
        role: "client",
        wire: "websocket",
        url: `ws://127.0.0.1:${port}/`,
        api: "mp",
      }, { label: "refused" });
      extra.push(refused);
      assert.equal((await refused.waitFor({ ev: "close_request" })).code, 4003); // REFUSED
      await refused.waitFor({ ev: "connection_failed" });

      server.peer.refuseNewConnections = false;
      const last = await godotClients(`ws://127.0.0.1:${port}/`, 1);
      extra.push(...last);
      await server.stop();
      const gone = await last[0].waitFor({ ev: "close_request" });
      assert.equal(gone.code, 1000);
      await last[0].waitFor({ ev: "connection_failed" });
    } finally {
      await closeAll([...godots, ...extra]);
      await stopLive([server]);
    }
  },
});

Deno.test({
  name:
    "godot ws: a Deno client joins a real Godot WebSocketServer: ids, targets, Variants both ways",
  ignore: skip !== undefined,
  async fn() {
    const server = await GodotPuppet.start(
      { role: "server", wire: "websocket", api: "raw", protocols: ["game-v1"] },
      { label: "godot-server" },
    );
    const url = `ws://127.0.0.1:${server.port}/`;
    let other: GodotPuppet | undefined;
    const me = new LivePeer("deno-client", new WebSocketMultiplayerPeer());
    try {
      other = await GodotPuppet.start(
        { role: "client", wire: "websocket", url, api: "raw", protocols: ["game-v1"] },
        { label: "godot-client" },
      );
      await other.waitFor({ ev: "connection_succeeded" });
      await me.peer.createClient(url, { wire: "godot", protocols: ["game-v1"] });
      me.start();
      await me.event("connection_succeeded");
      const myId = me.id;
      assert.ok(myId > 1);
      assert.deepEqual(me.events.slice(0, 2).map((e) => [e.type, e.id]), [
        ["peer_connected", 1],
        ["connection_succeeded", myId],
      ]);
      await me.event("peer_connected", other.id);
      await server.waitFor({ ev: "peer_connected", id: myId });
      await other.waitFor({ ev: "peer_connected", id: myId });

      // our sends, with our id as the sender
      const send = (target: number, hex: string) => {
        me.peer.setTargetPeer(target);
        me.peer.putPacket(fromHex(hex)!);
      };
      send(1, "b001");
      send(0, "b002");
      send(other.id, "b003");
      send(-other.id, "b004");
      for (const hex of ["b001", "b002", "b004"]) {
        assert.equal((await server.waitFor({ ev: "packet", hex })).from, myId);
      }
      for (const hex of ["b002", "b003"]) {
        assert.equal((await other.waitFor({ ev: "packet", hex })).from, myId);
      }
      // theirs, with their ids
      await other.sendOk({ cmd: "send", hex: "c001", target: myId });
      await server.sendOk({ cmd: "send", hex: "c002", target: myId });
      await me.until(() => me.packets.length >= 2, "two packets");
      assert.deepEqual(
        me.packets.map((p) => [toHex(p.data), p.from, p.channel]).sort(),
        [["c001", other.id, 0], ["c002", 1, 0]],
      );

      // Variants: ours decoded by Godot, Godot's decoded by us
      await server.sendOk({ cmd: "set", receive: "var" });
      me.peer.setTargetPeer(1);
      me.peer.putVar({ hp: 10, pos: new Vector2(1.5, -2), tags: ["a", "b"] });
      const got = await server.waitFor({ ev: "var" });
      assert.equal(got.from, myId);
      assert.match(got.value ?? "", /"hp": 10/);
      assert.match(got.value ?? "", /Vector2\( 1\.5, -2 \)/);
      me.vars = true;
      await server.sendOk({ cmd: "put_var", value: '{ "k": [ 1, 2.5, "x" ] }', target: myId });
      await me.until(() => me.packets.some((p) => p.value !== undefined), "a Variant");
      const value = me.packets.find((p) => p.value !== undefined)!.value as Record<string, unknown>;
      assert.equal((value.k as unknown[])[2], "x");
      assert.equal(Number((value.k as unknown[])[1]), 2.5);

      // the Godot server drops us: we are told (not connection_failed, as a Godot client is)
      await server.sendOk({ cmd: "disconnect_peer", id: myId, code: 4001, reason: "bye" });
      const ended = await me.event("server_disconnected");
      assert.equal(ended.reason, DisconnectReason.CLOSED);
      await other.waitFor({ ev: "peer_disconnected", id: myId });
    } finally {
      await stopLive([me]);
      await closeAll([server, ...(other ? [other] : [])]);
    }
  },
});

Deno.test({
  name: "godot ws: handleUpgrade in a Deno.serve handler that also serves the game's files",
  ignore: skip !== undefined,
  async fn() {
    const files = await Deno.makeTempDir({ prefix: "godot-export-" });
    await Deno.writeTextFile(`${files}/index.html`, "<title>my game</title>");
    const port = pickPort();
    const game = new WebSocketMultiplayerPeer();
    await game.createEmbeddedServer({ wire: "godot" });
    const live = new LivePeer("embedded", game).start();
    const http = Deno.serve(
      { hostname: "127.0.0.1", port, onListen() {} },
      async (request, info) => {
        const path = new URL(request.url).pathname;
        if (path === "/socket") return game.handleUpgrade(request, info);
        try {
          return new Response(
            await Deno.readFile(`${files}${path === "/" ? "/index.html" : path}`),
          );
        } catch {
          return new Response("not found", { status: 404 });
        }
      },
    );
    let godots: GodotPuppet[] = [];
    try {
      const page = await fetch(`http://127.0.0.1:${port}/`);
      assert.equal(await page.text(), "<title>my game</title>");
      godots = await godotClients(`ws://127.0.0.1:${port}/socket`, 1);
      const [g] = godots;
      await live.event("peer_connected", g.id);
      await g.sendOk({ cmd: "send", hex: "d00d", target: 1 });
      await live.until(() => denoGot(live, "d00d").length === 1, "packet");
      assert.deepEqual(denoGot(live, "d00d"), [`d00d from ${g.id}`]);
      game.setTargetPeer(g.id);
      game.putPacket(new Uint8Array([RAW, 0xab]));
      assert.equal((await g.waitFor({ ev: "packet", hex: "ab" })).from, 1);
      const missing = await fetch(`http://127.0.0.1:${port}/nope.pck`);
      assert.equal(missing.status, 404);
      await missing.body?.cancel();
    } finally {
      await closeAll(godots);
      await stopLive([live]);
      await http.shutdown();
      await Deno.remove(files, { recursive: true });
    }
  },
});

/** A WebSocket of Deno's own on the Godot path, for sending what Godot never would. */
async function rawSocket(url: string): Promise<{ ws: WebSocket; closed: Promise<CloseEvent> }> {
  const ws = new WebSocket(url);
  ws.binaryType = "arraybuffer";
  const opened = Promise.withResolvers<void>();
  const closed = new Promise<CloseEvent>((resolve) => ws.onclose = resolve);
  ws.onopen = () => opened.resolve();
  await opened.promise;
  return { ws, closed };
}

function frame(type: number, from: number, to: number, payload: number[]): Uint8Array {
  const out = new Uint8Array(9 + payload.length);
  const view = new DataView(out.buffer);
  out[0] = type;
  view.setInt32(1, from, true);
  view.setInt32(5, to, true);
  out.set(payload, 9);
  return out;
}

Deno.test({
  name:
    "godot ws: hostile input (short, wrong type, forged sender, text, oversized) next to a live Godot client",
  ignore: skip !== undefined,
  async fn() {
    const port = pickPort();
    const server = await denoServer(port);
    const url = `ws://127.0.0.1:${port}/`;
    let godots: GodotPuppet[] = [];
    const attackers: WebSocket[] = [];
    try {
      godots = await godotClients(url, 1);
      const [g] = godots;
      await server.event("peer_connected", g.id);
      const { ws: evil } = await rawSocket(url);
      attackers.push(evil);
      await server.until(() => server.count("peer_connected") === 2, "the raw socket joins");
      const evilId = server.events.filter((e) => e.type === "peer_connected").at(-1)!.id!;
      evil.send(new Uint8Array([0, 1, 2])); // shorter than a header
      evil.send(frame(1, 1, 0, [1, 0, 0, 0])); // an announcement, from a client
      evil.send(frame(3, 1, 0, [9, 0, 0, 0])); // "your id", from a client
      evil.send(frame(0, g.id, 1, [RAW, 0xee])); // claims to be g
      evil.send(frame(0, evilId, g.id, [RAW, 0xe1])); // fine: relayed with its true id
      evil.send("text that is no header at all"); // type byte 't'
      const counters = server.peer.godotCounters!;
      await server.until(() => counters.badType >= 3, "counted");
      await g.waitFor({ ev: "packet", hex: "e1" });
      assert.equal(g.count({ ev: "packet" }), 1);
      assert.equal(g.filter({ ev: "packet" })[0].from, evilId);
      assert.deepEqual(
        [counters.shortMessages, counters.badType, counters.forgedSender],
        [1, 3, 1],
      );
      assert.equal(denoGot(server, "ee").length, 0);
      // one message over 64 KiB closes that socket with 1009, and only that one
      const { ws: big, closed } = await rawSocket(url);
      attackers.push(big);
      big.send(new Uint8Array(70_000));
      assert.equal((await closed).code, 1009);
      // the real client still talks both ways; no one else was dropped
      await g.sendOk({ cmd: "send", hex: "0a0b", target: 1 });
      await server.until(() => denoGot(server, "0a0b").length === 1, "g's packet");
      server.peer.setTargetPeer(g.id);
      server.peer.putPacket(new Uint8Array([RAW, 0x0c]));
      await g.waitFor({ ev: "packet", hex: "0c" });
      assert.equal(server.count("peer_disconnected", g.id), 0);
      assert.equal(evil.readyState, WebSocket.OPEN);
    } finally {
      for (const a of attackers) a.close();
      await closeAll(godots);
      await stopLive([server]);
    }
  },
});

Deno.test({
  name: "godot ws: a flood of idle sockets holds its per-address share; a Godot client still joins",
  ignore: skip !== undefined,
  async fn() {
    const port = pickPort();
    // flood from ::1 (Godot is IPv4-only and joins from 127.0.0.1): a dual-stack listener
    const server = await denoServer(port, {
      bindAddress: "::",
      maxSocketsPerAddress: 8,
      connectRate: { perSecond: 1, burst: 10_000 },
    });
    const idle: Deno.Conn[] = [];
    let godots: GodotPuppet[] = [];
    try {
      for (let i = 0; i < 200; i++) {
        idle.push(await Deno.connect({ hostname: "::1", port }));
      }
      godots = await godotClients(`ws://127.0.0.1:${port}/`, 1);
      const [g] = godots;
      await server.event("peer_connected", g.id);
      await g.sendOk({ cmd: "send", hex: "0f", target: 1 });
      await server.until(() => denoGot(server, "0f").length === 1, "packet");
      const stats = server.peer.listenerStats!;
      const refused = stats.refused.perAddress + stats.refused.pendingPerAddress;
      assert.ok(refused >= 200 - 8, `refused ${refused}`);
      assert.ok(stats.socketsOpen <= 8 + 1, `open ${stats.socketsOpen}`);
    } finally {
      for (const c of idle) c.close();
      await closeAll(godots);
      await stopLive([server]);
    }
  },
});

Deno.test({
  name: "godot ws: bursts to a Godot client are paced to its 64 KiB / 1024-message buffer",
  ignore: skip !== undefined,
  async fn() {
    const run = async (n: number, size: number) => {
      const port = pickPort();
      const server = await denoServer(port);
      const g = await GodotPuppet.start(
        // a game's frame: Godot reads its socket once per frame (here 60 per second)
        {
          role: "client",
          wire: "websocket",
          url: `ws://127.0.0.1:${port}/`,
          api: "raw",
          frame_usec: 16_000,
        },
        { label: "godot" },
      );
      try {
        await g.waitFor({ ev: "connection_succeeded" });
        await server.event("peer_connected", g.id);
        server.peer.setTargetPeer(g.id);
        const packet = new Uint8Array(size).fill(7);
        for (let i = 0; i < n; i++) server.peer.putPacket(packet); // all in one turn
        await server.until(
          () => server.peer.getPeerStats(g.id).queuedBytes === 0,
          "the burst left",
          20_000,
        );
        // a marker after it (resent: where Godot's buffer overflowed, the first may be lost too)
        for (let round = 0; round < 5 && g.count({ ev: "packet", hex: "fe" }) === 0; round++) {
          server.peer.putPacket(new Uint8Array([0xfe]));
          await g.waitFor({ ev: "packet", hex: "fe" }, { timeoutMs: 1000 }).catch(() => {});
        }
        assert.ok(g.count({ ev: "packet", hex: "fe" }) > 0, "the marker arrived");
        return g.count({ ev: "packet", size });
      } finally {
        await closeAll([g]);
        await stopLive([server]);
      }
    };
    // paced (the default): nothing lost, by bytes (1.6 MB) or by count (3000 messages)
    assert.equal(await run(1500, 1100), 1500);
    assert.equal(await run(3000, 10), 3000);
  },
});
