/**
 * Self-test of the Godot puppet and its harness, Godot against Godot on 127.0.0.1: real
 * godot3-server processes on both ends, over ENet and over WebSocket. Needs godot3-server and
 * --allow-run --allow-read --allow-write --allow-env --allow-net --unstable-net; otherwise it
 * reports itself skipped with the reason.
 */
import assert from "node:assert/strict";
import { godotSkipReason } from "./environment.ts";
import { GodotPuppet } from "./puppet.ts";
import { closeAll, type Session, startSession } from "./_group.ts";
import { patternBytes, sha256Hex } from "./payloads.ts";
import { delay } from "./_process.ts";
import type { PacketEvent, PuppetConfig, PuppetTransferMode } from "./protocol.ts";
import { GodotError } from "./protocol.ts";

const skip = godotSkipReason();
if (skip) console.warn(`puppet_test: skipped: ${skip}`);

const MODES: PuppetTransferMode[] = ["reliable", "unreliable_ordered", "unreliable"];

/** ENet channel Godot uses for a mode when no transfer_channel is set. */
function enetChannel(mode: PuppetTransferMode): number {
  return mode === "reliable" ? 1 : 2;
}

interface Delivery {
  hex: string;
  from: number;
  channel: number;
}

interface PlannedSend {
  hex: string;
  mode: PuppetTransferMode;
  target: number;
  receivers: GodotPuppet[];
}

/** Unreliable packets may be dropped (ENet throttles them when RTT jumps under CPU load). */
const UNRELIABLE_ROUNDS = 5;

/**
 * Sends every planned packet from `sender`, then a reliable fence to everyone. Packets leave in
 * order, one datagram each, so once a receiver has the fence it has every earlier packet that
 * was not dropped. Unreliable packets a receiver is missing are sent again (a few rounds); a
 * missing reliable packet is left for the caller's assertion to report.
 */
async function deliver(
  sender: GodotPuppet,
  plan: PlannedSend[],
  everyone: GodotPuppet[],
  tag: string,
): Promise<void> {
  let pending = plan;
  for (let round = 0; round < UNRELIABLE_ROUNDS && pending.length > 0; round++) {
    for (const { hex, mode, target } of pending) {
      await sender.sendOk({ cmd: "send", hex, mode, target });
    }
    const fence = `fe${tag}${round.toString(16).padStart(2, "0")}`;
    await sender.sendOk({ cmd: "send", hex: fence, mode: "reliable", target: 0 });
    for (const p of everyone) {
      if (p === sender) continue;
      await p.waitFor({ ev: "packet", hex: fence }, { what: `fence ${fence} at ${p.label}` });
    }
    pending = pending.filter((send) =>
      send.mode !== "reliable" &&
      send.receivers.some((r) => r.count({ ev: "packet", hex: send.hex }) === 0)
    );
  }
}

/** Data packets a puppet received (fences excluded, resends merged), as comparable records. */
function received(p: GodotPuppet): Delivery[] {
  const unique = new Map<string, Delivery>();
  for (const e of p.filter({ ev: "packet" })) {
    if (e.hex === undefined || e.hex.startsWith("fe")) continue;
    unique.set(JSON.stringify([e.hex, e.from, e.channel]), {
      hex: e.hex,
      from: e.from,
      channel: e.channel,
    });
  }
  return [...unique.values()];
}

function byHex(a: Delivery, b: Delivery): number {
  return a.hex < b.hex ? -1 : a.hex > b.hex ? 1 : 0;
}

/** One distinct packet per (mode, target) for `sender`; notes what each receiver should get. */
function planMatrix(
  sender: GodotPuppet,
  targets: { target: number; receivers: GodotPuppet[] }[],
  tag: string,
  enet: boolean,
  expected: Map<GodotPuppet, Delivery[]>,
): PlannedSend[] {
  const plan: PlannedSend[] = [];
  for (const mode of MODES) {
    for (const { target, receivers } of targets) {
      const hex = `a0${tag}${plan.length.toString(16).padStart(4, "0")}`;
      plan.push({ hex, mode, target, receivers });
      for (const r of receivers) {
        expected.get(r)!.push({ hex, from: sender.id, channel: enet ? enetChannel(mode) : -1 });
      }
    }
  }
  return plan;
}

/**
 * Every transfer mode to every target form from the server and from client A, checked on every
 * puppet: who gets what, with which sender id and channel. `quirkMinusOne` is what WebSocket
 * does with target -1 (the server keeps the packet although it is excluded).
 */
async function checkTargetMatrix(s: Session, enet: boolean, quirkMinusOne: boolean) {
  const [a, b] = s.clients;
  const expected = new Map(s.all.map((p) => [p, [] as Delivery[]]));
  const fromServer = planMatrix(
    s.server,
    [
      { target: 0, receivers: [a, b] },
      { target: a.id, receivers: [a] },
      { target: -a.id, receivers: [b] },
    ],
    "01",
    enet,
    expected,
  );
  const fromClient = planMatrix(
    a,
    [
      { target: 0, receivers: [s.server, b] },
      { target: 1, receivers: [s.server] },
      { target: b.id, receivers: [b] },
      { target: -b.id, receivers: [s.server] },
      { target: -1, receivers: quirkMinusOne ? [s.server, b] : [b] },
    ],
    "02",
    enet,
    expected,
  );
  await deliver(s.server, fromServer, s.all, "01");
  await deliver(a, fromClient, s.all, "02");
  for (const [p, list] of expected) {
    assert.deepEqual(received(p).sort(byHex), [...list].sort(byHex), `deliveries at ${p.label}`);
  }
}

/** Sends one unreliable packet until `receiver` has it (a few tries; see UNRELIABLE_ROUNDS). */
async function sendUntilReceived(
  sender: GodotPuppet,
  command: { cmd: "send"; hex: string; mode: PuppetTransferMode; target: number; channel?: number },
  receiver: GodotPuppet,
): Promise<PacketEvent> {
  for (let round = 1;; round++) {
    const since = receiver.mark();
    await sender.sendOk(command);
    const fence = `fd${round.toString(16).padStart(2, "0")}`;
    await sender.sendOk({ cmd: "send", hex: fence, mode: "reliable", target: command.target });
    await receiver.waitFor({ ev: "packet", hex: fence }, { since });
    const got = receiver.filter({ ev: "packet", hex: command.hex }, since);
    if (got.length > 0 || round === UNRELIABLE_ROUNDS) {
      assert.ok(got.length > 0, `${command.hex} never reached ${receiver.label}`);
      return got[0];
    }
  }
}

async function withSession(
  server: PuppetConfig,
  clients: Partial<PuppetConfig>[],
  body: (s: Session) => Promise<void>,
  clientsSeeEachOther = true,
): Promise<void> {
  const s = await startSession(server, clients, clientsSeeEachOther);
  try {
    await body(s);
  } finally {
    await closeAll(s.all);
  }
}

Deno.test({
  name: "godot puppet: ENet ids, peer_connected everywhere, every mode to every target (raw)",
  ignore: skip !== undefined,
  async fn() {
    await withSession({ role: "server", wire: "enet" }, [{}, {}], async (s) => {
      const [a, b] = s.clients;
      assert.equal(s.server.id, 1);
      assert.ok(a.id > 1 && b.id > 1 && a.id !== b.id, `ids ${a.id} ${b.id}`);
      assert.ok(a.id < 2 ** 31 && b.id < 2 ** 31);
      const peers = await s.server.sendOk({ cmd: "peers" });
      assert.deepEqual(peers.peers!.map((p) => p.id).sort(), [a.id, b.id].sort());
      assert.ok(peers.peers!.every((p) => p.address === "127.0.0.1" && (p.port ?? 0) > 0));
      await checkTargetMatrix(s, true, false);
      // Godot refuses targets it does not know, the server's own id included.
      const self = await s.server.send({ cmd: "send", hex: "00", target: 1 });
      assert.equal(self.err, GodotError.ERR_INVALID_PARAMETER);
      const unknown = await a.send({ cmd: "send", hex: "00", target: 123456 });
      assert.equal(unknown.err, GodotError.ERR_INVALID_PARAMETER);
    });
  },
});

Deno.test({
  name: "godot puppet: ENet every mode to every target through the MultiplayerAPI (mp)",
  ignore: skip !== undefined,
  async fn() {
    await withSession({ role: "server", wire: "enet", api: "mp" }, [{}, {}], async (s) => {
      await checkTargetMatrix(s, true, false);
    });
  },
});

Deno.test({
  name: "godot puppet: ENet custom channel, 5000 B reliable, 3000 B unreliable, numbered packets",
  ignore: skip !== undefined,
  async fn() {
    await withSession({ role: "server", wire: "enet", channel_count: 4 }, [{}], async (s) => {
      const [a] = s.clients;
      await a.sendOk({ cmd: "send", hex: "c3", mode: "reliable", target: 1, channel: 3 });
      assert.equal((await s.server.waitFor({ ev: "packet", hex: "c3" })).channel, 3);
      const c4 = await sendUntilReceived(
        s.server,
        { cmd: "send", hex: "c4", mode: "unreliable", target: 0, channel: 3 },
        a,
      );
      assert.equal(c4.channel, 3);
      const status = await a.sendOk({ cmd: "status" });
      assert.equal(status.transfer_channel, 3);
      await a.sendOk({ cmd: "set", channel: -1 });

      const big = await sha256Hex(patternBytes(5000, 1));
      const mid = await sha256Hex(patternBytes(3000, 2));
      await a.sendOk({ cmd: "send", size: 5000, seed: 1, mode: "reliable", target: 1 });
      await a.sendOk({ cmd: "send", size: 3000, seed: 2, mode: "unreliable", target: 1 });
      const gotBig = await s.server.waitFor({ ev: "packet", sha256: big });
      assert.equal(gotBig.size, 5000);
      assert.equal(gotBig.channel, 1);
      const gotMid = await s.server.waitFor({ ev: "packet", sha256: mid });
      assert.equal(gotMid.size, 3000);
      assert.equal(gotMid.channel, 2);

      const since = s.server.mark();
      const ack = await a.sendOk({
        cmd: "send",
        count: 200,
        size: 300,
        mode: "reliable",
        target: 1,
      });
      assert.equal(ack.sent, 200);
      const numbered = await s.server.waitForCount(
        (e) => e.ev === "packet" && e.index !== undefined,
        200,
        { since },
      );
      assert.deepEqual(numbered.map((e) => e.ev === "packet" && e.index), [...Array(200).keys()]);
      assert.ok(numbered.every((e) => e.ev === "packet" && e.intact && e.size === 300));
    });
  },
});

Deno.test({
  name: "godot puppet: ENet with relay off keeps clients apart",
  ignore: skip !== undefined,
  async fn() {
    await withSession(
      { role: "server", wire: "enet", server_relay: false },
      [{}, {}],
      async (s) => {
        const [a, b] = s.clients;
        assert.equal(a.count({ ev: "peer_connected", id: b.id }), 0);
        // Without ADD_PEER the client does not know B: Godot refuses the target locally.
        assert.equal((await a.send({ cmd: "send", hex: "b1", target: b.id })).err, 31);
        assert.equal((await a.send({ cmd: "send", hex: "b2", target: -b.id })).err, 31);
        await a.sendOk({ cmd: "send", hex: "b3", target: 0 });
        await a.sendOk({ cmd: "send", hex: "b4", target: 1 });
        await s.server.waitFor({ ev: "packet", hex: "b4" });
        // Fence for B: a server broadcast sent after b3 arrived at the server's socket.
        await s.server.sendOk({ cmd: "send", hex: "b5", target: 0 });
        await b.waitFor({ ev: "packet", hex: "b5" });
        assert.equal(b.count({ ev: "packet", hex: "b3" }), 0, "broadcast not relayed");
        // With relay off the server drops even target 0 packets (only target 1 is kept).
        assert.equal(s.server.count({ ev: "packet", hex: "b3" }), 0, "target 0 dropped");
      },
      false,
    );
  },
});

const NESTED =
  '[ Vector2( 1, 2.5 ), {\n3: [  ],\n"k": Color( 1, 0, 0, 1 )\n}, 4294967296, "h\u00e9llo \u{1f600}", ' +
  'null, true, 1.5, PoolByteArray( 1, 2 ), PoolStringArray( "a", "" ) ]';

Deno.test({
  name: "godot puppet: ENet put_var of nested values, read back as var (raw and mp)",
  ignore: skip !== undefined,
  async fn() {
    for (const api of ["raw", "mp"] as const) {
      await withSession({ role: "server", wire: "enet", api, receive: "var" }, [{}], async (s) => {
        const [a] = s.clients;
        await a.sendOk({ cmd: "put_var", value: NESTED, target: 1 });
        const got = await s.server.waitFor({ ev: "var" });
        assert.equal(got.value, NESTED, `${api}: var2str(get_var())`);
        assert.equal(got.from, a.id);
        if (api === "mp") assert.equal(got.same_bytes, true);
        // A NodePath survives, but Godot leaves its string padding unzeroed (see README).
        const since = s.server.mark();
        await a.sendOk({ cmd: "put_var", value: 'NodePath("a/b")', target: 1 });
        assert.equal((await s.server.waitFor({ ev: "var" }, { since })).value, 'NodePath("a/b")');
        // Back the other way, in bytes mode: a Variant is just bytes on the wire.
        await s.server.sendOk({ cmd: "put_var", value: "Vector2( 3, 4 )", target: a.id });
        const raw = await a.waitFor({ ev: "packet" });
        // Godot's Variant encoding: type 5 (Vector2), then two float32 LE.
        assert.equal(raw.hex, "050000000000404000008040");
      });
    }
  },
});

Deno.test({
  name: "godot puppet: ENet RPCs and rsets, client A to client B through the server (mp)",
  ignore: skip !== undefined,
  async fn() {
    await withSession({ role: "server", wire: "enet", api: "mp" }, [{}, {}], async (s) => {
      const [a, b] = s.clients;
      const args = '[ 1, Vector2( 1, 2 ), "x", [ 4294967296 ] ]';
      await a.sendOk({ cmd: "rpc", method: "rpc_any", args, id: b.id });
      const call = await b.waitFor({ ev: "rpc", method: "rpc_any" });
      assert.equal(call.from, a.id);
      assert.equal(call.args, args);

      await a.sendOk({ cmd: "rpc", method: "rpc_two", args: "[ 7, 8 ]", id: 1, unreliable: true });
      const two = await s.server.waitFor({ ev: "rpc", method: "rpc_two" });
      assert.deepEqual([two.from, two.args], [a.id, "[ 7, 8 ]"]);

      // remotesync runs locally too, with the caller's own id as sender.
      await a.sendOk({ cmd: "rpc", method: "rpc_sync", args: "[  ]" });
      for (const p of s.all) {
        const e = await p.waitFor({ ev: "rpc", method: "rpc_sync" });
        assert.equal(e.from, a.id, `rpc_sync sender at ${p.label}`);
        assert.equal(e.args, "[  ]");
      }

      // Not a remote method: Godot refuses it. The later rset (same reliable channel) fences it.
      await a.sendOk({ cmd: "rpc", method: "not_remote", id: 1 });
      await a.sendOk({ cmd: "rset", property: "rvar", value: "Color( 0, 1, 0, 1 )", id: 1 });
      const set = await s.server.waitFor({ ev: "rset", property: "rvar" });
      assert.deepEqual([set.from, set.value], [a.id, "Color( 0, 1, 0, 1 )"]);
      assert.equal(s.server.count({ ev: "rpc", method: "not_remote" }), 0);
      assert.match(s.server.stderr, /not_remote/);

      // master func on the server (the node's master) accepts calls from clients.
      await b.sendOk({ cmd: "rpc", method: "rpc_master", args: "[ 5 ]", id: 1 });
      const master = await s.server.waitFor({ ev: "rpc", method: "rpc_master" });
      assert.deepEqual([master.from, master.args], [b.id, "[ 5 ]"]);
    });
  },
});

Deno.test({
  name: "godot puppet: ENet disconnect_peer (later and now), server stop seen by clients",
  ignore: skip !== undefined,
  async fn() {
    await withSession({ role: "server", wire: "enet" }, [{}, {}], async (s) => {
      const [a, b] = s.clients;
      await s.server.sendOk({ cmd: "disconnect_peer", id: a.id });
      await a.waitFor({ ev: "server_disconnected" });
      await s.server.waitFor({ ev: "peer_disconnected", id: a.id });
      await b.waitFor({ ev: "peer_disconnected", id: a.id });
      assert.equal((await a.sendOk({ cmd: "status" })).status_name, "disconnected");
      const unknown = await s.server.send({ cmd: "disconnect_peer", id: a.id });
      assert.equal(unknown.err, GodotError.ERR_DOES_NOT_EXIST);

      const since = s.server.mark();
      await s.server.sendOk({ cmd: "disconnect_peer", id: b.id, now: true });
      // disconnect_now: Godot reports the peer gone at once, before any reply from B.
      const gone = await s.server.waitFor({ ev: "peer_disconnected", id: b.id }, { since });
      const ack = s.server.filter({ ev: "ack", cmd: "disconnect_peer" }).at(-1)!;
      assert.ok(gone.t <= ack.t, "peer_disconnected emitted inside the command");
      await b.waitFor({ ev: "server_disconnected" });
    });
  },
});

Deno.test({
  name: "godot puppet: ENet refuse_new_connections, then close: clients see the server go",
  ignore: skip !== undefined,
  async fn() {
    await withSession({ role: "server", wire: "enet" }, [{}], async (s) => {
      const [a] = s.clients;
      await s.server.sendOk({ cmd: "set", refuse_new_connections: true });
      assert.equal((await s.server.sendOk({ cmd: "status" })).refusing, true);
      const refused = await GodotPuppet.start({
        role: "client",
        wire: "enet",
        port: s.server.port,
      });
      const late = await (async () => {
        try {
          // The handshake completes even though the server resets the peer right after.
          await refused.waitFor({ ev: "connection_succeeded" });
          await refused.sendOk({ cmd: "send", hex: "d1", target: 1 });
          await s.server.sendOk({ cmd: "set", refuse_new_connections: false });
          return await GodotPuppet.start({ role: "client", wire: "enet", port: s.server.port });
        } catch (e) {
          await refused.close();
          throw e;
        }
      })();
      try {
        await late.waitFor({ ev: "connection_succeeded" });
        await s.server.waitFor({ ev: "peer_connected", id: late.id });
        assert.equal(s.server.count({ ev: "peer_connected", id: refused.id }), 0);
        assert.equal(s.server.count({ ev: "packet", hex: "d1" }), 0);
        assert.equal((await refused.sendOk({ cmd: "status" })).status_name, "connected");

        const since = a.mark();
        await s.server.sendOk({ cmd: "close" });
        await a.waitFor({ ev: "server_disconnected" }, { since });
        await late.waitFor({ ev: "server_disconnected" });
        assert.equal((await s.server.sendOk({ cmd: "status" })).status_name, "disconnected");
      } finally {
        await closeAll([refused, late]);
      }
    });
  },
});

Deno.test({
  name: "godot puppet: ENet every compression mode (both ends agree)",
  ignore: skip !== undefined,
  async fn() {
    const modes = [0, 1, 2, 3, 4] as const;
    await Promise.all(
      modes.map((mode) =>
        withSession({ role: "server", wire: "enet", compression_mode: mode }, [{}], async (s) => {
          const [a] = s.clients;
          assert.equal((await a.sendOk({ cmd: "status" })).compression_mode, mode);
          const hash = await sha256Hex(patternBytes(3000, mode));
          await a.sendOk({ cmd: "send", size: 3000, seed: mode, target: 1 });
          assert.equal((await s.server.waitFor({ ev: "packet", sha256: hash })).size, 3000);
          const small = { hex: "00112233", mode: "unreliable", target: a.id } as const;
          await sendUntilReceived(s.server, { cmd: "send", ...small }, a);
        })
      ),
    );
  },
});

Deno.test({
  name: "godot puppet: WebSocket ids, targets, relay through the server (raw and mp)",
  ignore: skip !== undefined,
  async fn() {
    for (const api of ["raw", "mp"] as const) {
      await withSession({ role: "server", wire: "websocket", api }, [{}, {}], async (s) => {
        const [a, b] = s.clients;
        assert.equal(a.ready.id, 0, "WebSocket clients learn their id on connecting");
        assert.ok(a.id > 1 && b.id > 1 && a.id !== b.id);
        await checkTargetMatrix(s, false, true);
        // Unlike ENet, a WebSocket server sending to itself is a silent no-op.
        assert.equal((await s.server.send({ cmd: "send", hex: "00", target: 1 })).err, 0);
        assert.equal((await a.send({ cmd: "send", hex: "00", channel: 3 })).err, 2);
      });
    }
  },
});

Deno.test({
  name: "godot puppet: WebSocket RPC A to B through the server, subprotocols, disconnects",
  ignore: skip !== undefined,
  async fn() {
    const server: PuppetConfig = {
      role: "server",
      wire: "websocket",
      api: "mp",
      protocols: ["puppet-1"],
    };
    await withSession(
      server,
      [{ protocols: ["puppet-1"] }, { protocols: ["puppet-1"] }],
      async (s) => {
        const [a, b] = s.clients;
        await a.sendOk({ cmd: "rpc", method: "rpc_any", args: '[ "hi", 2 ]', id: b.id });
        const call = await b.waitFor({ ev: "rpc", method: "rpc_any" });
        assert.deepEqual([call.from, call.args], [a.id, '[ "hi", 2 ]']);
        await b.sendOk({ cmd: "rset", property: "rvar", value: "3", id: 1 });
        const set = await s.server.waitFor({ ev: "rset" });
        assert.deepEqual([set.from, set.value], [b.id, "3"]);

        await s.server.sendOk({ cmd: "disconnect_peer", id: a.id, code: 4001, reason: "bye" });
        const close = await a.waitFor({ ev: "close_request" });
        assert.deepEqual([close.code, close.reason], [4001, "bye"]);
        // A Godot WebSocket client with the multiplayer API reports a lost connection as a
        // failed one: server_disconnected never comes.
        await a.waitFor({ ev: "connection_failed" });
        await s.server.waitFor({ ev: "peer_disconnected", id: a.id });
        await b.waitFor({ ev: "peer_disconnected", id: a.id });
        assert.equal(a.count({ ev: "server_disconnected" }), 0);

        await s.server.sendOk({ cmd: "close" });
        await b.waitFor({ ev: "connection_failed" });
      },
    );
    // A client offering no matching subprotocol never connects.
    const lonely = await GodotPuppet.start(server);
    try {
      const c = await GodotPuppet.start({
        role: "client",
        wire: "websocket",
        url: `ws://127.0.0.1:${lonely.port}/`,
        protocols: ["other"],
      });
      try {
        await c.waitFor({ ev: "connection_failed" });
        assert.equal(lonely.count({ ev: "peer_connected" }), 0);
        // Unlike ENet (stuck in "connecting"), a failed WebSocket client is disconnected.
        assert.equal((await c.sendOk({ cmd: "status" })).status_name, "disconnected");
      } finally {
        await c.close();
      }
    } finally {
      await lonely.close();
    }
  },
});

/**
 * CPU time (user + system, in 1/100 s clock ticks) a live process has used. Read through `cat`:
 * reading `/proc` directly needs --allow-all.
 */
async function cpuTicks(pid: number): Promise<number> {
  const out = await new Deno.Command("cat", {
    args: [`/proc/${pid}/stat`],
    stdout: "piped",
    stderr: "null",
  }).output();
  if (!out.success) throw new Error(`cannot read the CPU time of ${pid}`);
  const fields = new TextDecoder().decode(out.stdout).split(") ")[1].split(" ");
  return Number(fields[11]) + Number(fields[12]);
}

/** Resolves with the exit status, or rejects if the process is still running after `ms`. */
async function exitWithin(p: GodotPuppet, ms: number): Promise<Deno.CommandStatus> {
  const timer = delay(ms);
  try {
    const status = await Promise.race([p.exited, timer.promise]);
    if (!status) throw new Error(`${p.label} still running ${ms} ms later\n${p.stderr}`);
    return status;
  } finally {
    timer.cancel();
  }
}

Deno.test({
  name: "godot puppet: idle puppets use little CPU; they exit when the harness goes or time is up",
  ignore: skip !== undefined,
  async fn() {
    await withSession({ role: "server", wire: "enet", max_lifetime_ms: 2500 }, [{}], async (s) => {
      const [a] = s.clients;
      const pids = [s.server.ready.pid, a.ready.pid];
      const before = await Promise.all(pids.map(cpuTicks));
      // A measurement window, not a synchronisation: connected and idle for one second.
      const window = delay(1000);
      await window.promise;
      const after = await Promise.all(pids.map(cpuTicks));
      const used = after.map((ticks, i) => ticks - before[i]);
      assert.ok(used.every((ticks) => ticks <= 15), `CPU ticks in 1 s: ${used}`);

      // Losing the control connection ends the puppet at once.
      a.disconnectControl();
      assert.equal((await exitWithin(a, 2000)).code, 0);
      // The lifetime bound ends the server on its own.
      const status = await exitWithin(s.server, 6000);
      assert.equal(status.code, 4);
      assert.ok(s.server.events.some((e) => e.ev === "error" && /lifetime/.test(e.message)));
    });
  },
});
