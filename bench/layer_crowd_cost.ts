/**
 * Server cost per client tick by crowd size, one layer at a time and with nothing else on the
 * path: each tick one 64 B `UNRELIABLE_ORDERED` input up per client and one 128 B snapshot down,
 * as in the crowd scenario, on a virtual clock at 20 ticks per second, datagrams handed over in
 * memory. Two layers:
 *
 * - `connection`: `sessions` pairs of `Connection`s alone. Per input the server runs what a host
 *   runs for it (`handleDatagram`, `pollTransmit` until empty, `pollTimeout`); per snapshot
 *   `send`, `pollTransmit`, `pollTimeout`.
 * - `host`: a server `Host` and `sessions` client `Host`s (handshake, session lookup, inbound
 *   queue, flow feedback, routing, the peer table's work lists and deadline heap, with their
 *   `Connection`s). Per input one server turn as the driver runs it (`handleDatagram`, the app's
 *   read, `pollTransmit` until empty, `pollTimeout`), then one broadcast and its flush.
 *
 * Only the server's work is timed (receive phase, with any timers due; send phase). The clients'
 * work runs between the phases, so each session's server state is met as cold as a crowd of that
 * size leaves it; `evictMiB` writes that much other memory before each phase on top, `shuffle`
 * serves the inputs in a random order each tick instead of the order the sessions joined.
 * What steps between two sizes at one layer and not at the layer below is the layer's own.
 *
 * Run: `deno run bench/layer_crowd_cost.ts [sessions...] [--host] [--ticks n] [--evict MiB]
 * [--shuffle]`
 *
 * @module
 */
import { Connection } from "../protocol/connection/connection.ts";
import type { ConnectionConfig } from "../protocol/connection/types.ts";
import {
  ConnectionStatus,
  TARGET_PEER_BROADCAST,
  TARGET_PEER_SERVER,
  TransferMode,
} from "../protocol/constants.ts";
import { Host } from "../protocol/host/host.ts";
import type { PeerAddress } from "../protocol/address.ts";
import { SeededRandom } from "../protocol/random.ts";
import { CacheEvictor } from "./lib/cache_evict.ts";
import { median } from "./lib/stats.ts";

const INPUT_BYTES = 64, SNAPSHOT_BYTES = 128, TICK_MS = 50, WIRE_CHANNEL = 1;

/**
 * What to measure.
 *
 * @example
 * ```ts
 * import type { LayerCrowdOptions } from "./layer_crowd_cost.ts";
 * const o: LayerCrowdOptions = { layer: "host", sessions: 1000, ticks: 300, warmup: 100 };
 * ```
 */
export interface LayerCrowdOptions {
  /** `connection` (pairs of connections) or `host` (server and client hosts). */
  readonly layer: "connection" | "host";
  /** Sessions in the crowd. */
  readonly sessions: number;
  /** Measured ticks. */
  readonly ticks: number;
  /** Unmeasured ticks first. */
  readonly warmup: number;
  /** MiB of other memory written before each timed phase (default 0). */
  readonly evictMiB?: number;
  /** Serve the inputs in a random order each tick (default: in join order). */
  readonly shuffle?: boolean;
}

/**
 * Server microseconds per client tick at one crowd size.
 *
 * @example
 * ```ts
 * import type { LayerCrowdCost } from "./layer_crowd_cost.ts";
 * const show = (c: LayerCrowdCost) => `${c.sessions}: ${c.receiveUs + c.sendUs} us`;
 * ```
 */
export interface LayerCrowdCost {
  /** Sessions in the crowd. */
  readonly sessions: number;
  /** Receiving one input, us (median over the measured ticks). */
  readonly receiveUs: number;
  /** Sending one snapshot, us (median over the measured ticks). */
  readonly sendUs: number;
  /** Inputs the server delivered in the measured ticks (must be sessions x ticks). */
  readonly inputs: number;
  /** Snapshots the clients delivered in the measured ticks (must be sessions x ticks). */
  readonly snapshots: number;
}

// the two layers' crowds, driven through the same tick loop
interface Crowd {
  // clients' timers and their inputs (untimed)
  clientsSend(now: number): void;
  // the server's turn for the input of session `i`
  serverReceive(i: number, now: number): void;
  // the server's timers that are due
  serverTimers(now: number): void;
  // the server's snapshot to every session and the flush
  serverBroadcast(now: number): void;
  // the clients take what the server sent (untimed); returns snapshots delivered
  clientsReceive(now: number): number;
  // inputs the server delivered since the last call
  takeInputs(): number;
}

function connectionConfig(sessionId: number, now: number): ConnectionConfig {
  return {
    sessionId,
    wireChannelCount: 4,
    datagramSize: 1200,
    maxMessageSize: 1 << 20,
    timeoutMs: 10_000,
    keepaliveMs: 2_500,
    reliableCarrier: false,
    maxSendQueueBytes: 1 << 22,
    maxReassemblyBytes: 1 << 22,
    now,
  };
}

function connectionCrowd(sessions: number): Crowd {
  const servers: Connection[] = [], clients: Connection[] = [];
  let inputs = 0, snapshots = 0;
  const countInput = () => (inputs++, true), countSnapshot = () => (snapshots++, true);
  // allocated interleaved, as sessions that join over time are
  for (let i = 0; i < sessions; i++) {
    const s = new Connection(connectionConfig(i + 1, 0));
    const c = new Connection(connectionConfig(i + 1, 0));
    s.onMessage = countInput;
    c.onMessage = countSnapshot;
    servers.push(s);
    clients.push(c);
  }
  const input = new Uint8Array(INPUT_BYTES), snapshot = new Uint8Array(SNAPSHOT_BYTES);
  // per session, what is in flight each way this tick
  const up: Uint8Array[][] = clients.map(() => []), down: Uint8Array[][] = clients.map(() => []);
  const drain = (conn: Connection, to: Uint8Array[], now: number) => {
    for (let d = conn.pollTransmit(now); d; d = conn.pollTransmit(now)) to.push(d);
  };
  return {
    clientsSend(now) {
      for (let i = 0; i < sessions; i++) {
        const c = clients[i];
        if (c.pollTimeout() <= now) c.handleTimeout(now);
        c.send(WIRE_CHANNEL, TransferMode.UNRELIABLE_ORDERED, input, undefined, now);
        drain(c, up[i], now);
      }
    },
    serverReceive(i, now) {
      const s = servers[i], q = up[i];
      for (let k = 0; k < q.length; k++) s.handleDatagram(q[k], now);
      q.length = 0;
      drain(s, down[i], now);
      s.pollTimeout();
    },
    serverTimers(now) {
      for (let i = 0; i < sessions; i++) {
        const s = servers[i];
        if (s.pollTimeout() <= now) {
          s.handleTimeout(now);
          drain(s, down[i], now);
        }
      }
    },
    serverBroadcast(now) {
      for (let i = 0; i < sessions; i++) {
        const s = servers[i];
        s.send(WIRE_CHANNEL, TransferMode.UNRELIABLE_ORDERED, snapshot, undefined, now);
        drain(s, down[i], now);
        s.pollTimeout();
      }
    },
    clientsReceive(now) {
      snapshots = 0;
      for (let i = 0; i < sessions; i++) {
        const c = clients[i], q = down[i];
        for (let k = 0; k < q.length; k++) c.handleDatagram(q[k], now);
        q.length = 0;
        drain(c, up[i], now);
      }
      return snapshots;
    },
    takeInputs() {
      const n = inputs;
      inputs = 0;
      return n;
    },
  };
}

function hostCrowd(sessions: number): Crowd {
  let now = 0, inputs = 0;
  const serverAddress: PeerAddress = { hostname: "127.0.0.1", port: 9000 };
  const factory = (c: ConnectionConfig) => new Connection(c);
  const server = new Host({
    role: "server",
    createConnection: factory,
    maxClients: sessions,
    serverRelay: false, // a dedicated game server: relay would announce n² peers
    random: new SeededRandom(1),
  });
  const clients: Host[] = [], addresses: PeerAddress[] = [];
  const byPort = new Map<number, number>();
  for (let i = 0; i < sessions; i++) {
    clients.push(
      new Host({ role: "client", createConnection: factory, random: new SeededRandom(i + 2) }),
    );
    addresses.push({ hostname: "127.0.0.1", port: 10_000 + i });
    byPort.set(10_000 + i, i);
  }
  const up: Uint8Array[][] = clients.map(() => []);
  const down: { port: number; bytes: Uint8Array }[] = [];
  const collect = () => {
    for (let tx = server.pollTransmit(now); tx; tx = server.pollTransmit(now)) {
      down.push({ port: tx.to.port, bytes: tx.bytes });
    }
  };
  const clientsFlush = () => {
    for (let i = 0; i < sessions; i++) {
      const c = clients[i];
      for (let tx = c.pollTransmit(now); tx; tx = c.pollTransmit(now)) up[i].push(tx.bytes);
    }
  };
  const clientsTake = () => {
    let snapshots = 0;
    for (const d of down) {
      const i = byPort.get(d.port);
      if (i === undefined) continue;
      clients[i].handleDatagram(d.bytes, serverAddress, now, true);
      for (let p = clients[i].pollPacketData(); p; p = clients[i].pollPacketData()) snapshots++;
    }
    down.length = 0;
    for (const c of clients) {
      for (let e = c.pollEvent(); e; e = c.pollEvent()) {
        // a session ending would leave the crowd smaller than measured
        if (e.type !== "connection_succeeded" && e.type !== "peer_connected") {
          throw new Error(`a client saw ${JSON.stringify(e)}`);
        }
      }
    }
    return snapshots;
  };
  const serverReceive = (i: number) => {
    const q = up[i];
    for (let k = 0; k < q.length; k++) server.handleDatagram(q[k], addresses[i], now, true);
    q.length = 0;
    for (let p = server.pollPacketData(); p; p = server.pollPacketData()) inputs++;
    collect();
    server.pollTimeout();
  };
  const serverTimers = () => {
    if ((server.pollTimeout() ?? Infinity) <= now) server.handleTimeout(now);
    while (server.pollEvent());
    collect();
  };
  const clientTimers = () => {
    for (const c of clients) if ((c.pollTimeout() ?? Infinity) <= now) c.handleTimeout(now);
  };
  // connect in waves of 50, as a crowd joins; the server lists a session once its client's
  // first datagram after the accept arrived
  const connected = () => clients.filter((c) => c.status === ConnectionStatus.CONNECTED).length;
  const round = () => {
    clientsFlush();
    for (let i = 0; i < sessions; i++) serverReceive(i);
    serverTimers();
    clientsTake();
    now += 10;
    clientTimers();
  };
  for (let from = 0; from < sessions; from += 50) {
    const to = Math.min(sessions, from + 50);
    for (let i = from; i < to; i++) clients[i].connect(serverAddress, now);
    for (let r = 0; r < 200 && connected() < to; r++) round();
  }
  for (let r = 0; r < 200 && server.peerIds().length < sessions; r++) round();
  if (connected() !== sessions || server.peerIds().length !== sessions) {
    throw new Error(`${connected()} of ${sessions} clients connected`);
  }
  inputs = 0;
  const input = new Uint8Array(INPUT_BYTES), snapshot = new Uint8Array(SNAPSHOT_BYTES);
  return {
    clientsSend(at) {
      now = at;
      clientTimers();
      for (const c of clients) {
        c.send(TARGET_PEER_SERVER, input, TransferMode.UNRELIABLE_ORDERED, 0, now);
      }
      clientsFlush();
    },
    serverReceive,
    serverTimers,
    serverBroadcast() {
      server.send(TARGET_PEER_BROADCAST, snapshot, TransferMode.UNRELIABLE_ORDERED, 0, now);
      collect();
      server.pollTimeout();
    },
    clientsReceive: () => {
      const n = clientsTake();
      clientsFlush(); // acks the clients owe go up with the next inputs
      return n;
    },
    takeInputs() {
      const n = inputs;
      inputs = 0;
      return n;
    },
  };
}

/**
 * Builds the crowd, runs `warmup` then `ticks` measured ticks.
 *
 * @example
 * ```ts
 * import { measureLayerCrowd } from "./layer_crowd_cost.ts";
 * for (const layer of ["connection", "host"] as const) {
 *   const r = measureLayerCrowd({ layer, sessions: 10, ticks: 20, warmup: 5 });
 *   console.log(r.inputs === 200, r.snapshots === 200); // true true
 * }
 * ```
 */
export function measureLayerCrowd(o: LayerCrowdOptions): LayerCrowdCost {
  const n = o.sessions;
  const crowd = o.layer === "host" ? hostCrowd(n) : connectionCrowd(n);
  const caches = new CacheEvictor(o.evictMiB ?? 0);
  const order = Array.from({ length: n }, (_, i) => i), random = new SeededRandom(5);
  const receiveUs: number[] = [], sendUs: number[] = [];
  let inputs = 0, snapshots = 0, now = 1_000;
  for (let t = 0; t < o.warmup + o.ticks; t++) {
    now += TICK_MS;
    crowd.clientsSend(now);
    if (o.shuffle) {
      for (let i = n - 1; i > 0; i--) {
        const j = random.nextU32() % (i + 1), x = order[i];
        order[i] = order[j];
        order[j] = x;
      }
    }
    caches.evict();
    const t0 = performance.now();
    for (let k = 0; k < n; k++) crowd.serverReceive(order[k], now);
    crowd.serverTimers(now);
    const t1 = performance.now();
    caches.evict();
    const t2 = performance.now();
    crowd.serverBroadcast(now);
    const t3 = performance.now();
    const delivered = crowd.clientsReceive(now), read = crowd.takeInputs();
    if (t >= o.warmup) {
      receiveUs.push((t1 - t0) * 1000 / n);
      sendUs.push((t3 - t2) * 1000 / n);
      inputs += read;
      snapshots += delivered;
    }
  }
  return { sessions: n, receiveUs: median(receiveUs), sendUs: median(sendUs), inputs, snapshots };
}

if (import.meta.main) {
  const args = [...Deno.args];
  const option = (name: string) => {
    const at = args.indexOf(name);
    return at >= 0 ? Number(args.splice(at, 2)[1]) : undefined;
  };
  const flag = (name: string) => {
    const at = args.indexOf(name);
    if (at >= 0) args.splice(at, 1);
    return at >= 0;
  };
  const ticksArg = option("--ticks"), evictMiB = option("--evict") ?? 0;
  const layer = flag("--host") ? "host" : "connection", shuffle = flag("--shuffle");
  const sizes = args.length > 0 ? args.map(Number) : [100, 1000, 3000];
  for (const sessions of sizes) {
    // the same client ticks at every size (at least 100 ticks), after ~100k of warm-up
    const ticks = ticksArg ?? Math.max(100, Math.ceil(300_000 / sessions));
    const warmup = Math.max(40, Math.ceil(100_000 / sessions));
    const r = measureLayerCrowd({ layer, sessions, ticks, warmup, evictMiB, shuffle });
    const expected = sessions * ticks;
    const lost = r.inputs === expected && r.snapshots === expected
      ? ""
      : `  (delivered ${r.inputs} inputs, ${r.snapshots} snapshots of ${expected})`;
    console.log(
      `${layer} ${String(sessions).padStart(5)} sessions: receive ${r.receiveUs.toFixed(2)} us, ` +
        `send ${r.sendUs.toFixed(2)} us per client tick${lost}`,
    );
  }
}
