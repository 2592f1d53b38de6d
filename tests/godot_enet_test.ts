/**
 * `ENetMultiplayerPeer` against real Godot 3.2 (godot3-server puppets, NetworkedMultiplayerENet)
 * on 127.0.0.1, both ways: Godot clients on a Deno server, Deno clients on a Godot server, and
 * sessions mixing both. Ids and join events, every transfer mode to every target form with the
 * right sender id, ENet channel and mode, custom channels, fragments, relay on and off,
 * disconnects, refusals, RPCs relayed between Godot clients, every compression mode, Variants
 * both ways, unreliable delivery with six clients, and hostile datagrams.
 *
 * Needs godot3-server and --allow-run --allow-read --allow-write --allow-env --allow-net
 * --unstable-net (`deno task test`); otherwise every test reports itself skipped with the reason.
 */
import assert from "node:assert/strict";
import {
  AABB,
  Basis,
  Color,
  CompressionMode,
  decodeVariant,
  DisconnectReason,
  encodeVariant,
  GodotFloat,
  NodePath,
  Plane,
  PoolColorArray,
  PoolStringArray,
  PoolVector2Array,
  PoolVector3Array,
  Quat,
  Rect2,
  TransferMode,
  Transform,
  Transform2D,
  Vector2,
  Vector3,
} from "../mod.ts";
import { godotSkipReason, pickPort } from "./godot/environment.ts";
import { GodotPuppet } from "./godot/puppet.ts";
import { closeAll } from "./godot/_group.ts";
import { fromHex, patternBytes, sha256Hex, toHex } from "./godot/payloads.ts";
import { LivePeer, stopAll } from "./godot_enet/_live.ts";
import { assertTargetMatrix, denoParty, godotParty, tagHex } from "./godot_enet/_matrix.ts";
import {
  awaitDenoClientsOfGodot,
  awaitMesh,
  startGodotClients,
  startGodotServer,
} from "./godot_enet/_session.ts";
import { ms, resendUntil, sameBytes } from "./godot_enet/_util.ts";
import { brokenCopy, randomDatagram, spoofedConnect } from "./godot_enet/_hostile.ts";
import { startProxy } from "./helpers/udp_proxy.ts";
import { SeededRandom } from "../protocol/random.ts";

const skip = godotSkipReason();
if (skip) console.warn(`godot_enet_test: skipped: ${skip}`);

/**
 * A client's target -1 ("every client but the server") is relayed by our server (Godot's own
 * does the same); the matrices include it. (Set false to leave that form out of them.)
 */
const DENO_SERVER_RELAYS_MINUS_ONE = true;

/** Deno-side byte checks of a big packet from a Godot puppet's pattern. */
function isPattern(size: number, seed: number): (p: { data: Uint8Array }) => boolean {
  const want = patternBytes(size, seed);
  return (p) => sameBytes(p.data, want);
}

Deno.test({
  name: "godot enet: Godot clients on a Deno server: ids, joins, every mode to every target, " +
    "custom channel, 5000 B reliable and 3000 B unreliable both ways",
  ignore: skip !== undefined,
  async fn() {
    const port = pickPort();
    const server = await LivePeer.server(port, { channelCount: 4 });
    const godots = await startGodotClients(port, 2, { channel_count: 4 }).catch(async (e) => {
      await server.stop();
      throw e;
    });
    try {
      const [a, b] = godots;
      await awaitMesh(server, godots, []);
      assert.ok(a.id > 1 && b.id > 1 && a.id !== b.id && a.id < 2 ** 31 && b.id < 2 ** 31);
      // the ids Godot chose travel in CONNECT: the server knows them as they are
      assert.deepEqual(
        server.events.filter((e) => e.type === "peer_connected").map((e) => e.id).sort(),
        [a.id, b.id].sort(),
      );
      for (const g of godots) {
        assert.equal(g.count({ ev: "peer_connected" }), 2, `${g.label} sees 1 and the other`);
        assert.equal(server.peer.getPeerAddress(g.id), "127.0.0.1");
      }
      const status = await a.sendOk({ cmd: "status" });
      assert.equal(status.status_name, "connected");

      const all = [denoParty(server), ...godots.map(godotParty)];
      await assertTargetMatrix(all, all, [-1, 3], "a0", DENO_SERVER_RELAYS_MINUS_ONE);

      // 5000 B reliable: Godot -> Deno, Deno -> Godot, Godot -> Godot through the relay
      await a.sendOk({ cmd: "send", size: 5000, seed: 1, mode: "reliable", target: 1 });
      const big = await server.waitPacket(isPattern(5000, 1), "5000 B from A");
      assert.deepEqual([big.from, big.channel, big.mode], [a.id, 1, TransferMode.RELIABLE]);
      server.peer.transferMode = TransferMode.RELIABLE;
      server.peer.transferChannel = -1;
      server.peer.setTargetPeer(a.id);
      server.peer.putPacket(patternBytes(5000, 3));
      const atA = await a.waitFor({ ev: "packet", sha256: await sha256Hex(patternBytes(5000, 3)) });
      assert.deepEqual([atA.from, atA.channel, atA.size], [1, 1, 5000]);
      await a.sendOk({ cmd: "send", size: 5000, seed: 4, mode: "reliable", target: b.id });
      const atB = await b.waitFor({ ev: "packet", sha256: await sha256Hex(patternBytes(5000, 4)) });
      assert.deepEqual([atB.from, atB.channel], [a.id, 1]);

      // 3000 B unreliable: Godot sends it as reliable fragments on channel 2; we send
      // unreliable fragments, which Godot's ENet reassembles
      const seen3000 = () => server.packets.some(isPattern(3000, 5));
      await resendUntil(
        () => a.sendOk({ cmd: "send", size: 3000, seed: 5, mode: "unreliable", target: 1 }),
        async (r) => {
          const fence = tagHex("f1", r);
          await a.sendOk({ cmd: "send", hex: fence, mode: "reliable", target: 1 });
          await denoParty(server).awaitHex(fence);
        },
        seen3000,
        "3000 B unreliable from A",
      );
      const mid = server.packets.find(isPattern(3000, 5))!;
      assert.deepEqual([mid.from, mid.channel], [a.id, 2]);
      const hash = await sha256Hex(patternBytes(3000, 6));
      await resendUntil(
        () => {
          server.peer.transferMode = TransferMode.UNRELIABLE;
          server.peer.setTargetPeer(b.id);
          server.peer.putPacket(patternBytes(3000, 6));
        },
        async (r) => {
          const fence = tagHex("f2", r);
          await denoParty(server).send(fence, TransferMode.RELIABLE, b.id, -1);
          await godotParty(b).awaitHex(fence);
        },
        () => b.count({ ev: "packet", sha256: hash }) > 0,
        "3000 B unreliable to B",
      );
      const gotMid = b.filter({ ev: "packet", sha256: hash })[0];
      assert.deepEqual([gotMid.from, gotMid.channel, gotMid.size], [1, 2, 3000]);
    } finally {
      await closeAll(godots);
      await server.stop();
    }
  },
});

Deno.test({
  name: "godot enet: relay off on a Deno server: Godot clients stay apart, their broadcasts " +
    "reach the server only",
  ignore: skip !== undefined,
  async fn() {
    const port = pickPort();
    const server = await LivePeer.server(port, {}, (p) => p.serverRelay = false);
    const godots = await startGodotClients(port, 2).catch(async (e) => {
      await server.stop();
      throw e;
    });
    try {
      const [a, b] = godots;
      await awaitMesh(server, godots, [], false);
      await a.sendOk({ cmd: "ping" });
      assert.equal(a.count({ ev: "peer_connected", id: b.id }), 0, "no announcements");
      // Godot refuses a target it was never told of
      assert.equal((await a.send({ cmd: "send", hex: "b1", target: b.id })).err, 31);
      await a.sendOk({ cmd: "send", hex: "b3", target: 0 });
      await a.sendOk({ cmd: "send", hex: "b4", target: 1 });
      const deno = denoParty(server);
      await deno.awaitHex("b4");
      // unlike Godot's own server, a broadcast from a client reaches the server
      const b3 = server.packets.find((p) => p.data.length === 1 && p.data[0] === 0xb3);
      assert.equal(b3?.from, a.id, "the client's broadcast reached the server");
      // a server broadcast sent after b3 arrived: a fence for B
      await deno.send("b5", TransferMode.RELIABLE, 0, -1);
      await godotParty(b).awaitHex("b5");
      assert.equal(b.count({ ev: "packet", hex: "b3" }), 0, "not relayed");
      // the server still reaches each client in every form
      await assertTargetMatrix([deno, ...godots.map(godotParty)], [deno], [-1], "a1");
    } finally {
      await closeAll(godots);
      await server.stop();
    }
  },
});

Deno.test({
  name: "godot enet: disconnectPeer, disconnectPeer(now), a Godot client's close and the " +
    "server's close() as seen by Godot",
  ignore: skip !== undefined,
  async fn() {
    const port = pickPort();
    const server = await LivePeer.server(port);
    const godots = await startGodotClients(port, 4).catch(async (e) => {
      await server.stop();
      throw e;
    });
    try {
      const [a, b, c, d] = godots;
      await awaitMesh(server, godots, []);
      let t0 = performance.now();
      server.peer.disconnectPeer(a.id);
      const aGone = await a.waitFor({ ev: "server_disconnected" });
      await server.waitEvent("peer_disconnected", a.id);
      for (const g of [b, c, d]) await g.waitFor({ ev: "peer_disconnected", id: a.id });
      const later = ms(aGone.at - t0);
      assert.equal((await a.sendOk({ cmd: "status" })).status_name, "disconnected");

      t0 = performance.now();
      server.peer.disconnectPeer(b.id, true);
      const bGone = await b.waitFor({ ev: "server_disconnected" });
      await server.waitEvent("peer_disconnected", b.id);
      for (const g of [c, d]) await g.waitFor({ ev: "peer_disconnected", id: b.id });
      const now = ms(bGone.at - t0);

      // a Godot client leaving by itself: the server and the others see it go
      t0 = performance.now();
      await d.sendOk({ cmd: "close" });
      const dGone = await server.waitEvent("peer_disconnected", d.id);
      await c.waitFor({ ev: "peer_disconnected", id: d.id });
      const own = ms(dGone.at - t0);

      t0 = performance.now();
      await server.stop();
      const cGone = await c.waitFor({ ev: "server_disconnected" });
      const closed = ms(cGone.at - t0);
      assert.equal(c.count({ ev: "connection_failed" }), 0);
      console.log(
        `godot sees: disconnectPeer ${later} ms, disconnectPeer(now) ${now} ms, ` +
          `own close seen by the server ${own} ms, server close ${closed} ms`,
      );
      for (const x of [later, now, own, closed]) assert.ok(x < 1000, `prompt: ${x} ms`);
    } finally {
      await closeAll(godots);
      await server.stop();
    }
  },
});

Deno.test({
  name: "godot enet: a refused and a full Deno server make the Godot client fail at once",
  ignore: skip !== undefined,
  async fn() {
    const refusing = await LivePeer.server(pickPort(), {}, (p) => p.refuseNewConnections = true);
    const fullPort = pickPort();
    const full = await LivePeer.server(fullPort, { maxClients: 1 });
    const started: GodotPuppet[] = [];
    try {
      const [first] = await startGodotClients(fullPort, 1);
      started.push(first);
      await full.waitEvent("peer_connected", first.id);
      const attempts = await Promise.all([
        GodotPuppet.start({ role: "client", wire: "enet", port: refusing.peer.localPort }, {
          label: "refused",
        }),
        GodotPuppet.start({ role: "client", wire: "enet", port: fullPort }, { label: "full" }),
      ]);
      started.push(...attempts);
      const latencies: number[] = [];
      for (const p of attempts) {
        const failed = await p.waitFor({ ev: "connection_failed" }, { timeoutMs: 3000 });
        assert.equal(p.count({ ev: "connection_succeeded" }), 0, `${p.label}: never connected`);
        latencies.push(ms(failed.t - p.ready.t));
      }
      console.log(`connection_failed after: refused ${latencies[0]} ms, full ${latencies[1]} ms`);
      for (const l of latencies) assert.ok(l < 1000, `well under 1 s: ${l} ms`);
      assert.equal(refusing.count("peer_connected"), 0);
      assert.equal(full.count("peer_connected"), 1);
      // the first client is undisturbed
      await denoParty(full).send("c1", TransferMode.RELIABLE, first.id, -1);
      await first.waitFor({ ev: "packet", hex: "c1" });
    } finally {
      await closeAll(started);
      await stopAll([refusing, full]);
    }
  },
});

Deno.test({
  name: "godot enet: rpc() and rpc_id() between Godot clients through a Deno server (mp)",
  ignore: skip !== undefined,
  async fn() {
    const port = pickPort();
    const server = await LivePeer.server(port);
    const godots = await startGodotClients(port, 2, { api: "mp" }).catch(async (e) => {
      await server.stop();
      throw e;
    });
    try {
      const [a, b] = godots;
      await awaitMesh(server, godots, []);
      const args = '[ 1, Vector2( 1, 2 ), "x", [ 4294967296 ] ]';
      await a.sendOk({ cmd: "rpc", method: "rpc_any", args, id: b.id });
      const call = await b.waitFor({ ev: "rpc", method: "rpc_any" });
      assert.deepEqual([call.from, call.args], [a.id, args]);

      await b.sendOk({
        cmd: "rpc",
        method: "rpc_two",
        args: "[ 7, 8 ]",
        id: a.id,
        unreliable: true,
      });
      const two = await a.waitFor({ ev: "rpc", method: "rpc_two" }, { timeoutMs: 3000 });
      assert.deepEqual([two.from, two.args], [b.id, "[ 7, 8 ]"]);

      // rpc() to everyone: B runs it with A as the sender; the Deno server gets the bytes
      await a.sendOk({ cmd: "rpc", method: "rpc_sync", args: '[ "all" ]' });
      const sync = await b.waitFor({ ev: "rpc", method: "rpc_sync" });
      assert.deepEqual([sync.from, sync.args], [a.id, '[ "all" ]']);
      const name = new TextEncoder().encode("rpc_sync");
      await server.waitPacket(
        (p) => p.from === a.id && p.data[0] === 0 && containsBytes(p.data, name),
        "the REMOTE_CALL bytes at the Deno server",
      );

      await b.sendOk({ cmd: "rset", property: "rvar", value: "Color( 0, 1, 0, 1 )", id: a.id });
      const set = await a.waitFor({ ev: "rset", property: "rvar" });
      assert.deepEqual([set.from, set.value], [b.id, "Color( 0, 1, 0, 1 )"]);
    } finally {
      await closeAll(godots);
      await server.stop();
    }
  },
});

function containsBytes(haystack: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let k = 0; k < needle.length; k++) if (haystack[i + k] !== needle[k]) continue outer;
    return true;
  }
  return false;
}

Deno.test({
  name: "godot enet: Deno clients on a Godot server: joins, every mode to every target, " +
    "custom channel, big packets, disconnect_peer, close",
  ignore: skip !== undefined,
  async fn() {
    const godot = await startGodotServer({ channel_count: 4 });
    const denos: LivePeer[] = [];
    try {
      for (let i = 0; i < 4; i++) {
        denos.push(
          await LivePeer.client(godot.port, { channelCount: 4 }, undefined, `deno${"ABCD"[i]}`),
        );
      }
      const [a, b, c, d] = denos;
      await awaitDenoClientsOfGodot(godot, denos);
      const [aId, bId, dId] = [a.id, b.id, d.id]; // 0 once their connections ended
      for (const x of denos) {
        assert.equal(x.count("connection_succeeded"), 1);
        assert.ok(x.id > 1 && x.id < 2 ** 31);
      }
      const peers = await godot.sendOk({ cmd: "peers" });
      assert.deepEqual(peers.peers!.map((p) => p.id).sort(), denos.map((x) => x.id).sort());

      // Godot's server relays -1 ("all but the server") from a client: tested here
      const parties = [godotParty(godot), denoParty(a), denoParty(b)];
      await assertTargetMatrix(
        [...parties, denoParty(c), denoParty(d)],
        [parties[0], parties[1]],
        [-1, 3],
        "a2",
      );

      // big packets, both ways and relayed
      a.peer.transferMode = TransferMode.RELIABLE;
      a.peer.transferChannel = -1;
      a.peer.setTargetPeer(1);
      a.peer.putPacket(patternBytes(5000, 7));
      const atGodot = await godot.waitFor({
        ev: "packet",
        sha256: await sha256Hex(patternBytes(5000, 7)),
      });
      assert.deepEqual([atGodot.from, atGodot.channel], [a.id, 1]);
      await godot.sendOk({ cmd: "send", size: 5000, seed: 8, mode: "reliable", target: b.id });
      const atB = await b.waitPacket(isPattern(5000, 8), "5000 B from Godot");
      assert.deepEqual([atB.from, atB.channel, atB.mode], [1, 1, TransferMode.RELIABLE]);
      a.peer.setTargetPeer(b.id);
      a.peer.putPacket(patternBytes(5000, 9));
      const relayed = await b.waitPacket(isPattern(5000, 9), "5000 B from A via Godot");
      assert.equal(relayed.from, a.id);
      const hash = await sha256Hex(patternBytes(3000, 10));
      await resendUntil(
        () => {
          a.peer.transferMode = TransferMode.UNRELIABLE;
          a.peer.setTargetPeer(1);
          a.peer.putPacket(patternBytes(3000, 10));
        },
        async (r) => {
          const fence = tagHex("f3", r);
          await denoParty(a).send(fence, TransferMode.RELIABLE, 1, -1);
          await godotParty(godot).awaitHex(fence);
        },
        () => godot.count({ ev: "packet", sha256: hash }) > 0,
        "3000 B unreliable to Godot",
      );
      assert.equal(godot.filter({ ev: "packet", sha256: hash })[0].channel, 2);

      // Godot's disconnects as our clients see them
      await godot.sendOk({ cmd: "disconnect_peer", id: aId });
      const aGone = await a.waitEvent("server_disconnected");
      for (const x of [b, c, d]) await x.waitEvent("peer_disconnected", aId);
      assert.equal(a.peer.getConnectionStatus(), 0);
      assert.equal(aGone.reason, DisconnectReason.CLOSED);
      await godot.sendOk({ cmd: "disconnect_peer", id: bId, now: true });
      await b.waitEvent("server_disconnected");
      for (const x of [c, d]) await x.waitEvent("peer_disconnected", bId);
      // our client leaving by itself
      await d.stop();
      await godot.waitFor({ ev: "peer_disconnected", id: dId });
      await c.waitEvent("peer_disconnected", dId);
      await godot.sendOk({ cmd: "close" });
      await c.waitEvent("server_disconnected");
      assert.equal(c.count("connection_failed"), 0);
    } finally {
      await stopAll(denos);
      await godot.close();
    }
  },
});

Deno.test({
  name: "godot enet: Deno clients on a Godot server with relay off: Godot drops their broadcasts",
  ignore: skip !== undefined,
  async fn() {
    const godot = await startGodotServer({ server_relay: false });
    const denos: LivePeer[] = [];
    try {
      for (const l of ["denoA", "denoB"]) {
        denos.push(await LivePeer.client(godot.port, {}, undefined, l));
      }
      const [a, b] = denos;
      await awaitDenoClientsOfGodot(godot, denos, false);
      assert.equal(a.count("peer_connected"), 1, "only the server");
      const da = denoParty(a), gs = godotParty(godot);
      await da.send("b6", TransferMode.RELIABLE, 0, -1);
      await da.send("b7", TransferMode.RELIABLE, 1, -1);
      await godot.waitFor({ ev: "packet", hex: "b7" });
      await gs.send("b8", TransferMode.RELIABLE, 0, -1);
      await denoParty(b).awaitHex("b8");
      assert.equal(godot.count({ ev: "packet", hex: "b6" }), 0, "Godot drops a broadcast");
      assert.equal(b.packets.filter((p) => p.data[0] === 0xb6).length, 0, "not relayed");
      // the Godot server reaches each client
      await assertTargetMatrix([gs, da, denoParty(b)], [gs], [-1], "a3");
    } finally {
      await stopAll(denos);
      await godot.close();
    }
  },
});

/** Data both ways on one compressed session: small, compressible, fragmented, incompressible. */
async function exchange(
  godot: GodotPuppet,
  deno: LivePeer,
  godotTarget: number,
  denoTarget: number,
  what: string,
): Promise<void> {
  const g = godotParty(godot), d = denoParty(deno);
  // Godot -> Deno: compressible 3000 B (fragments), 200 B, incompressible 300 B
  await godot.sendOk({ cmd: "send", size: 3000, seed: 11, mode: "reliable", target: godotTarget });
  await godot.sendOk({ cmd: "send", size: 200, seed: 12, mode: "reliable", target: godotTarget });
  const noise = crypto.getRandomValues(new Uint8Array(300));
  await godot.sendOk({ cmd: "send", hex: toHex(noise), mode: "reliable", target: godotTarget });
  await deno.waitPacket(isPattern(3000, 11), `${what}: 3000 B at Deno`);
  await deno.waitPacket(isPattern(200, 12), `${what}: 200 B at Deno`);
  await deno.waitPacket((p) => sameBytes(p.data, noise), `${what}: noise at Deno`);
  // Deno -> Godot: compressible 5000 B, incompressible 2000 B, and an unreliable small one
  deno.peer.transferMode = TransferMode.RELIABLE;
  deno.peer.setTargetPeer(denoTarget);
  deno.peer.putPacket(patternBytes(5000, 13));
  const random = crypto.getRandomValues(new Uint8Array(2000));
  deno.peer.putPacket(random);
  await godot.waitFor({ ev: "packet", sha256: await sha256Hex(patternBytes(5000, 13)) });
  await godot.waitFor({ ev: "packet", sha256: await sha256Hex(random) });
  await resendUntil(
    () => d.send("0011223344556677", TransferMode.UNRELIABLE, denoTarget, -1),
    async (r) => {
      const fence = tagHex("f4", r);
      await d.send(fence, TransferMode.RELIABLE, denoTarget, -1);
      await g.awaitHex(fence);
    },
    () => godot.count({ ev: "packet", hex: "0011223344556677" }) > 0,
    `${what}: unreliable to Godot`,
  );
  await resendUntil(
    () => g.send("8899aabb", TransferMode.UNRELIABLE, godotTarget, -1),
    async (r) => {
      const fence = tagHex("f5", r);
      await g.send(fence, TransferMode.RELIABLE, godotTarget, -1);
      await d.awaitHex(fence);
    },
    () => deno.packets.some((p) => toHex(p.data) === "8899aabb"),
    `${what}: unreliable to Deno`,
  );
}

const COMPRESSIONS = [
  CompressionMode.NONE,
  CompressionMode.RANGE_CODER,
  CompressionMode.FASTLZ,
  CompressionMode.ZLIB,
  CompressionMode.ZSTD,
] as const;

Deno.test({
  name: "godot enet: every compression mode both ways (Deno server + Godot client, Godot " +
    "server + Deno client), data both ways, fragments",
  ignore: skip !== undefined,
  async fn() {
    const runs = COMPRESSIONS.flatMap((mode) => [
      async () => {
        const port = pickPort();
        const server = await LivePeer.server(port, { compressionMode: mode });
        const started: GodotPuppet[] = [];
        try {
          started.push(...await startGodotClients(port, 1, { compression_mode: mode }));
          const [g] = started;
          await server.waitEvent("peer_connected", g.id);
          assert.equal((await g.sendOk({ cmd: "status" })).compression_mode, mode);
          await exchange(g, server, 1, g.id, `mode ${mode}, Deno server`);
        } finally {
          await closeAll(started);
          await server.stop();
        }
      },
      async () => {
        const godot = await startGodotServer({ compression_mode: mode });
        let client: LivePeer | undefined;
        try {
          client = await LivePeer.client(godot.port, { compressionMode: mode });
          await awaitDenoClientsOfGodot(godot, [client]);
          await exchange(godot, client, client.id, 1, `mode ${mode}, Godot server`);
        } finally {
          await client?.stop();
          await godot.close();
        }
      },
    ]);
    const results = await Promise.allSettled(runs.map((run) => run()));
    const failures = results.flatMap((r) => r.status === "rejected" ? [r.reason] : []);
    if (failures.length > 0) throw failures[0];
  },
});

const f32 = Math.fround;

/** A value as GDScript writes it (var2str) and as this module represents it. */
const VARIANTS: [string, unknown][] = [
  ["null", null],
  ["true", true],
  ["42", 42],
  ["-7", -7],
  ["4294967296", 4294967296],
  ["4611686018427387904", 2n ** 62n],
  ["9223372036854775807", 2n ** 63n - 1n],
  ["1.5", 1.5],
  ["2.0", new GodotFloat(2)],
  ["0.1", 0.1],
  ['"h\u00e9llo \u{1f600}"', "h\u00e9llo \u{1f600}"],
  ["Vector2( 1, 2.5 )", new Vector2(1, 2.5)],
  ["Rect2( 1, 2, 3, 4.5 )", new Rect2(new Vector2(1, 2), new Vector2(3, 4.5))],
  ["Vector3( 1, -2, 3 )", new Vector3(1, -2, 3)],
  [
    "Transform2D( 1, 2, 3, 4, 5, 6 )",
    new Transform2D(new Vector2(1, 2), new Vector2(3, 4), new Vector2(5, 6)),
  ],
  ["Plane( 0, 1, 0, 2.5 )", new Plane(new Vector3(0, 1, 0), 2.5)],
  ["Quat( 0.5, 0.25, 0, 1 )", new Quat(0.5, 0.25, 0, 1)],
  ["AABB( 1, 2, 3, 4, 5, 6 )", new AABB(new Vector3(1, 2, 3), new Vector3(4, 5, 6))],
  [
    "Basis( 1, 4, 7, 2, 5, 8, 3, 6, 9 )",
    new Basis(new Vector3(1, 2, 3), new Vector3(4, 5, 6), new Vector3(7, 8, 9)),
  ],
  [
    "Transform( 1, 4, 7, 2, 5, 8, 3, 6, 9, 10, 11, 12 )",
    new Transform(
      new Basis(new Vector3(1, 2, 3), new Vector3(4, 5, 6), new Vector3(7, 8, 9)),
      new Vector3(10, 11, 12),
    ),
  ],
  ["Color( 1, 0.5, 0.25, 0.75 )", new Color(1, 0.5, 0.25, 0.75)],
  ['NodePath("a/b:c")', new NodePath("a/b:c")],
  ["[  ]", []],
  ["{\n\n}", {}],
  [
    '[ 1, [ 2, [ 3, {\n"k": [ true, null, "x" ]\n} ] ], "end" ]',
    [1, [2, [3, { k: [true, null, "x"] }]], "end"],
  ],
  ['{\n"name": "ann",\n"hp": 100,\n"speed": 2.5\n}', { name: "ann", hp: 100, speed: 2.5 }],
  [
    '{\n1: "int",\nVector2( 1, 2 ): "v",\n[ 1, "a" ]: "arr",\nnull: "nil",\ntrue: "b"\n}',
    new Map<unknown, unknown>([
      [1, "int"],
      [new Vector2(1, 2), "v"],
      [[1, "a"], "arr"],
      [null, "nil"],
      [true, "b"],
    ]),
  ],
  ["PoolByteArray( 0, 1, 255 )", new Uint8Array([0, 1, 255])],
  ["PoolIntArray( 1, -1, 2147483647 )", new Int32Array([1, -1, 2147483647])],
  ["PoolRealArray( 0.5, -1.25 )", new Float32Array([0.5, -1.25])],
  ['PoolStringArray( "", "a", "\u00e9" )', new PoolStringArray(["", "a", "\u00e9"])],
  [
    "PoolVector2Array( 1, 2, 0.5, -3 )",
    new PoolVector2Array([new Vector2(1, 2), new Vector2(0.5, -3)]),
  ],
  ["PoolVector3Array( 1, 2, 3 )", new PoolVector3Array([new Vector3(1, 2, 3)])],
  [
    "PoolColorArray( 1, 0, 0, 1, 0, 0.5, 1, 0.25 )",
    new PoolColorArray([new Color(1, 0, 0, 1), new Color(0, 0.5, 1, 0.25)]),
  ],
  [
    '[ {\n"players": [ {\n"at": Vector3( 1, 2, 3 ),\n"id": 2147483648,\n"tags": PoolStringArray( "x" )\n} ]\n}, PoolByteArray( 1, 2, 3 ), -1 ]',
    [
      {
        players: [{ at: new Vector3(1, 2, 3), id: 2147483648, tags: new PoolStringArray(["x"]) }],
      },
      new Uint8Array([1, 2, 3]),
      -1,
    ],
  ],
];
void f32;

/** What var2str shows for a text above where it differs (it lists dictionary keys sorted). */
const SHOWN: Record<string, string> = {
  '{\n"name": "ann",\n"hp": 100,\n"speed": 2.5\n}':
    '{\n"hp": 100,\n"name": "ann",\n"speed": 2.5\n}',
  '{\n1: "int",\nVector2( 1, 2 ): "v",\n[ 1, "a" ]: "arr",\nnull: "nil",\ntrue: "b"\n}':
    '{\nnull: "nil",\ntrue: "b",\n1: "int",\nVector2( 1, 2 ): "v",\n[ 1, "a" ]: "arr"\n}',
};

Deno.test({
  name: "godot enet: put_var from GDScript read by getVar, putVar read by GDScript get_var, " +
    "every Variant type, exact",
  ignore: skip !== undefined,
  async fn() {
    const port = pickPort();
    const server = await LivePeer.server(port);
    const started: GodotPuppet[] = [];
    try {
      started.push(...await startGodotClients(port, 1, { receive: "var" }, "raw"));
      started.push(...await startGodotClients(port, 1, { receive: "var", api: "mp" }, "mp"));
      const [raw, mp] = started;
      await awaitMesh(server, started, []);
      for (const [text, value] of VARIANTS) {
        // GDScript put_var -> our getVar
        const since = server.packets.length;
        await raw.sendOk({ cmd: "put_var", value: text, target: 1 });
        const got = await server.waitPacket((p) => p.from === raw.id, `put_var ${text}`, since);
        const decoded = decodeVariant(got.data);
        assert.ok(decoded.ok, `${text}: ${!decoded.ok && decoded.error}`);
        assert.deepEqual(decoded.value, value, `getVar of put_var(${text})`);
        const ours = encodeVariant(value);
        if (!(value instanceof NodePath)) {
          // (Godot leaves a NodePath's string padding unzeroed: only the value compares)
          assert.equal(toHex(got.data), toHex(ours), `Godot's bytes of ${text} are ours`);
        }
        // our putVar -> GDScript get_var (raw mode)
        const rawSince = raw.mark();
        server.peer.transferMode = TransferMode.RELIABLE;
        server.peer.setTargetPeer(raw.id);
        server.peer.putVar(value);
        const atRaw = await raw.waitFor({ ev: "var" }, { since: rawSince, what: `var ${text}` });
        const shown = SHOWN[text] ?? text; // var2str sorts dictionary keys
        assert.deepEqual([atRaw.err, atRaw.value, atRaw.from], [0, shown, 1], `get_var ${text}`);
        // the same bytes through the MultiplayerAPI (raw-bytes message): Godot re-encodes the
        // value it decoded to exactly the bytes we sent
        const mpSince = mp.mark();
        server.peer.setTargetPeer(mp.id);
        server.peer.putPacket(new Uint8Array([4, ...ours]));
        const atMp = await mp.waitFor({ ev: "var" }, { since: mpSince, what: `mp var ${text}` });
        assert.equal(atMp.value, shown, `bytes2var ${text}`);
        assert.equal(atMp.hex, toHex(ours));
        assert.equal(atMp.same_bytes, true, `var2bytes(bytes2var) of ${text} gives our bytes`);
      }
      // a packet that is no Variant: getVar reports an error, never throws
      server.drain = false;
      await raw.sendOk({ cmd: "send", hex: "ff000000", target: 1 });
      await server.until(() => server.peer.getAvailablePacketCount() > 0, "the bad packet");
      assert.equal(server.peer.getVar(), undefined);
      assert.match(String(server.peer.getPacketError()), /not a valid value/);
      void fromHex;
    } finally {
      await closeAll(started);
      await server.stop();
    }
  },
});

Deno.test({
  name: "godot enet: Godot and Deno clients mixed on one Deno server: every target form from " +
    "each, right sender ids everywhere",
  ignore: skip !== undefined,
  async fn() {
    const port = pickPort();
    const server = await LivePeer.server(port, { channelCount: 4 });
    const godots: GodotPuppet[] = [];
    const denos: LivePeer[] = [];
    try {
      godots.push(...await startGodotClients(port, 2, { channel_count: 4 }));
      for (const l of ["denoA", "denoB"]) {
        denos.push(await LivePeer.client(port, { channelCount: 4 }, undefined, l));
      }
      await awaitMesh(server, godots, denos);
      const all = [denoParty(server), ...godots.map(godotParty), ...denos.map(denoParty)];
      await assertTargetMatrix(all, all, [-1, 3], "a4", DENO_SERVER_RELAYS_MINUS_ONE);
      // a Godot client leaving is seen by our clients, and ours leaving by Godot
      const [ga] = godots, [da] = denos;
      const gaId = ga.id, daId = da.id;
      await ga.close();
      await denos[1].waitEvent("peer_disconnected", gaId);
      await da.stop();
      await godots[1].waitFor({ ev: "peer_disconnected", id: daId });
    } finally {
      await closeAll(godots);
      await stopAll(denos);
      await server.stop();
    }
  },
});

/** Unreliable stream of the six-client test: packets per client, per second, and size. */
const STREAM = { packets: 90, perSecond: 30, size: 64 } as const;

Deno.test({
  name: "godot enet: six Godot clients broadcasting unreliable streams through a Deno server: " +
    "at least 99% arrive",
  ignore: skip !== undefined,
  async fn() {
    const port = pickPort();
    const server = await LivePeer.server(port);
    const godots: GodotPuppet[] = [];
    try {
      godots.push(...await startGodotClients(port, 6));
      await awaitMesh(server, godots, []);
      const gap = 1000 / STREAM.perSecond;
      const started = performance.now();
      // each client sends one numbered packet every `gap` ms (a paced stream, as a game does)
      await Promise.all(godots.map(async (g, k) => {
        for (let i = 0; i < STREAM.packets; i++) {
          const due = started + k * (gap / godots.length) + i * gap;
          const wait = due - performance.now();
          if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
          await g.sendOk({
            cmd: "send",
            count: 1,
            first: i,
            size: STREAM.size,
            mode: "unreliable",
            target: 0,
          });
        }
      }));
      // reliable fences: every receiver then has every packet that was not lost
      const parties = godots.map(godotParty);
      for (const [k, p] of parties.entries()) {
        const fence = tagHex("f6", k);
        await p.send(fence, TransferMode.RELIABLE, 0, -1);
        await Promise.all(
          [denoParty(server), ...parties].filter((x) => x !== p).map((x) => x.awaitHex(fence)),
        );
      }
      const ids = new Set(godots.map((g) => g.id));
      let received = 0, broken = 0;
      const perReceiver: number[] = [];
      for (const g of godots) {
        const distinct = new Set<string>();
        for (const e of g.filter({ ev: "packet" })) {
          if (e.index === undefined || !ids.has(e.from)) continue;
          if (!e.intact) broken++;
          distinct.add(`${e.from}/${e.index}`);
        }
        perReceiver.push(distinct.size);
        received += distinct.size;
      }
      const atServer = new Set(
        server.packets.filter((p) => p.data.length === STREAM.size).map((p) =>
          `${p.from}/${new DataView(p.data.buffer, p.data.byteOffset).getUint32(4, true)}`
        ),
      ).size;
      const expected = godots.length * (godots.length - 1) * STREAM.packets;
      const ratio = received / expected;
      console.log(
        `six clients: ${received}/${expected} relayed unreliable packets arrived ` +
          `(${(ratio * 100).toFixed(2)}%), per receiver ${perReceiver.join(" ")} of ` +
          `${(godots.length - 1) * STREAM.packets}; the server got ${atServer}/` +
          `${godots.length * STREAM.packets} from the senders; ` +
          `${ms(performance.now() - started)} ms`,
      );
      assert.equal(broken, 0, "damaged packets");
      assert.ok(ratio >= 0.99, `delivery ratio ${ratio}`);
    } finally {
      await closeAll(godots);
      await server.stop();
    }
  },
});

/** Where the 8-byte Godot header of a payload `marker` sits in a datagram, or -1. */
function headerBefore(datagram: Uint8Array, marker: Uint8Array): number {
  outer: for (let i = 8; i + marker.length <= datagram.length; i++) {
    for (let k = 0; k < marker.length; k++) if (datagram[i + k] !== marker[k]) continue outer;
    return i - 8;
  }
  return -1;
}

Deno.test({
  name: "godot enet: hostile datagrams (random, malformed, from a client's own address), a " +
    "spoofed CONNECT flood and a forged source id leave real Godot and Deno clients undisturbed",
  ignore: skip !== undefined,
  async fn() {
    const port = pickPort();
    const server = await LivePeer.server(port);
    const proxy = startProxy(port);
    const captured: Uint8Array[] = [];
    const marker = new Uint8Array([0xd7, 0xd7, 0xd7, 0xd7, 0xd7, 0xd7]);
    let forgeAs = 0, forged = 0;
    proxy.mangle = (bytes, toServer) => {
      if (!toServer) return bytes;
      if (captured.length < 200) captured.push(bytes.slice());
      const at = forgeAs === 0 ? -1 : headerBefore(bytes, marker);
      if (at < 0) return bytes;
      const out = bytes.slice();
      new DataView(out.buffer).setUint32(at, forgeAs, true); // the header's source id
      forged++;
      return out;
    };
    const started: GodotPuppet[] = [];
    const denos: LivePeer[] = [];
    const sockets: Deno.DatagramConn[] = [];
    try {
      started.push(...await startGodotClients(proxy.port, 1));
      denos.push(await LivePeer.client(port, {}, undefined, "denoA"));
      const [g] = started, [d] = denos;
      await awaitMesh(server, [g], [d]);
      const parties = [denoParty(server), godotParty(g), denoParty(d)];
      await assertTargetMatrix(parties, parties, [-1], "a5", DENO_SERVER_RELAYS_MINUS_ONE);

      // 1. random and malformed datagrams from a foreign address and from G's own
      const rnd = new SeededRandom(20240607);
      const raw = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
      sockets.push(raw);
      const to: Deno.NetAddr = { transport: "udp", hostname: "127.0.0.1", port };
      let sent = 0;
      for (let i = 0; i < 1500; i++) {
        const real = captured[i % captured.length];
        const foreign = i % 3 === 0
          ? randomDatagram(rnd, true)
          : i % 3 === 1
          ? brokenCopy(real, rnd)
          : real.slice(); // a replay from elsewhere: the address does not match the peer's
        await raw.send(foreign, to);
        await proxy.inject(i % 2 === 0 ? brokenCopy(real, rnd) : randomDatagram(rnd, false), true);
        sent += 2;
        // bounded rate: one control round trip every 50 datagrams
        if (i % 25 === 0) await g.sendOk({ cmd: "ping" });
      }
      await assertTargetMatrix(parties, parties, [-1], "a6", DENO_SERVER_RELAYS_MINUS_ONE);

      // 2. a forged source id in the Godot header (G claims to be D): dropped, G unharmed
      forgeAs = d.id;
      await g.sendOk({ cmd: "send", hex: "d7d7d7d7d7d7", mode: "reliable", target: 0 });
      await g.sendOk({ cmd: "send", hex: "d8", mode: "reliable", target: 0 });
      forgeAs = 0;
      const after = await server.waitPacket((p) => p.data[0] === 0xd8, "d8 at the server");
      assert.equal(after.from, g.id);
      await d.waitPacket((p) => p.data[0] === 0xd8 && p.from === g.id, "d8 at D");
      assert.equal(forged, 1, "the proxy forged one packet");
      assert.equal(server.packets.filter((p) => p.data[0] === 0xd7).length, 0, "dropped");
      assert.equal(d.packets.filter((p) => p.data[0] === 0xd7).length, 0, "not relayed");

      // 3. a spoofed CONNECT flood from many sources while new clients join
      for (let k = 0; k < 32; k++) {
        sockets.push(Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 }));
      }
      let flooding = true, spoofed = 0;
      let underWay!: () => void;
      const floodUnderWay = new Promise<void>((resolve) => underWay = resolve);
      const flood = (async () => {
        for (let n = 0; flooding && n < 6000; n++) {
          await sockets[1 + (n % 32)].send(spoofedConnect(n), to);
          spoofed++;
          if (spoofed === 600) underWay();
          // about 2000/s: over the server's connect budget, under the kernel's socket limits
          if (n % 20 === 19) await new Promise((resolve) => setTimeout(resolve, 10));
        }
        underWay();
      })();
      try {
        await floodUnderWay; // the handshake table is full of spoofed attempts by now
        const t0 = performance.now();
        const [late] = await startGodotClients(port, 1, {}, "late");
        started.push(late);
        denos.push(await LivePeer.client(port, {}, undefined, "denoLate"));
        await awaitMesh(server, [g, late], denos);
        console.log(
          `hostile: ${sent} bad datagrams; under a flood of ${spoofed} spoofed CONNECTs so far ` +
            `a Godot and a Deno client joined in ${ms(performance.now() - t0)} ms`,
        );
      } finally {
        flooding = false;
        await flood;
      }
      const all = [...parties, godotParty(started[1]), denoParty(denos[1])];
      await assertTargetMatrix(all, all, [-1], "a7", DENO_SERVER_RELAYS_MINUS_ONE);
      assert.equal(server.count("peer_disconnected"), 0, "nobody was disturbed");
      assert.equal(g.count({ ev: "server_disconnected" }) + d.count("server_disconnected"), 0);
      assert.equal(server.peer.getConnectionStatus(), 2);
    } finally {
      for (const s of sockets) s.close();
      await closeAll(started);
      await stopAll(denos);
      await proxy.close();
      await server.stop();
    }
  },
});
