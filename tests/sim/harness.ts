/**
 * Deterministic simulation harness: a server and N clients (pure protocol Hosts) on a
 * VirtualClock + VirtualNetwork, driven by a synchronous loop. No sockets, no real time, no
 * microtasks: a 10-minute session runs in about a second and a seed replays exactly.
 *
 * The loop mirrors `transport/driver.ts`: every node keeps one timer at its host's next
 * deadline; all inputs due at the same virtual instant are handled, then each touched node is
 * flushed once (its datagrams sent, its events and packets handed to the app callbacks).
 *
 * @module
 */
import { Connection } from "../../protocol/connection/connection.ts";
import { ConnectionStatus, type TransferMode } from "../../protocol/constants.ts";
import { Host } from "../../protocol/host/host.ts";
import type { HostOptions } from "../../protocol/host/options.ts";
import type { HostEvent, InboundPacket } from "../../protocol/host/types.ts";
import { SeededRandom } from "../../protocol/random.ts";
import type { LinkOptions } from "../../transport/sim/link_simulator.ts";
import type { TimerHandle } from "../../transport/time/clock.ts";
import {
  type VirtualClock,
  VirtualNetwork,
  type VirtualTransport,
} from "../../transport/sim/virtual_network.ts";
import { SimFailure, TraceHash } from "./seeds.ts";

/** Host settings a simulation may override (role, random, connections are set by the harness). */
export type SimHostOptions = Omit<HostOptions, "role" | "random" | "createConnection">;

/**
 * Options of a {@link Simulation}.
 *
 * @example
 * ```ts
 * import type { SimOptions } from "./harness.ts";
 * const o: SimOptions = { seed: 1, clients: 2, file: "tests/x_test.ts", link: { loss: 0.1 } };
 * ```
 */
export interface SimOptions {
  /** Seeds the network links and every host's randomness. */
  seed: number;
  /** Number of clients. */
  clients: number;
  /** Test file, for the replay command printed on failure. */
  file: string;
  /** Default model of every link direction. */
  link?: LinkOptions;
  /** Settings of every host. */
  host?: SimHostOptions;
  /** Overrides for the server only (e.g. `maxClients`). */
  server?: SimHostOptions;
  /** Builds connections (default: the production `Connection`). */
  createConnection?: HostOptions["createConnection"];
  /** Safety bound of loop steps per `runUntil` call (default 50 000 000). */
  maxSteps?: number;
}

/**
 * One endpoint: a Host on a virtual transport, with app callbacks.
 *
 * @example
 * ```ts
 * import { Simulation } from "./harness.ts";
 * const sim = new Simulation({ seed: 1, clients: 1, file: "x" });
 * sim.server.onEvent = (e) => console.log(e.type);
 * ```
 */
export class SimNode {
  /** Position: 0 = server, 1..N = clients. */
  readonly index: number;
  /** The protocol endpoint. */
  readonly host: Host;
  /** Its carrier on the virtual network. */
  readonly transport: VirtualTransport;
  /** Every event, in order (kept for assertions). */
  readonly events: HostEvent[] = [];
  /** Called for each event (after it is recorded). */
  onEvent?: (event: HostEvent, node: SimNode) => void;
  /** Called for each inbound packet; when unset, packets are discarded. */
  onPacket?: (packet: InboundPacket, node: SimNode) => void;
  /** When true, inbound packets stay in the host's queue (an app that stopped reading). */
  paused = false;
  /** @internal */
  dirty = false;
  /** @internal */
  timer?: TimerHandle;
  /** @internal */
  timerAt = Infinity;

  /** @internal Use {@link Simulation}. */
  constructor(index: number, host: Host, transport: VirtualTransport) {
    this.index = index;
    this.host = host;
    this.transport = transport;
  }

  /** Events of one type. */
  eventsOf<T extends HostEvent["type"]>(type: T): Extract<HostEvent, { type: T }>[] {
    return this.events.filter((e) => e.type === type) as Extract<HostEvent, { type: T }>[];
  }
}

/**
 * A server and `clients` clients on one seeded virtual network.
 *
 * @example
 * ```ts
 * import { Simulation } from "./harness.ts";
 * const sim = new Simulation({ seed: 3, clients: 2, file: "x", link: { latencyMs: 20 } });
 * sim.connectAll(5_000);
 * console.log(sim.server.host.peerIds().length); // 2
 * ```
 */
export class Simulation {
  /** The seed of this run. */
  readonly seed: number;
  /** The network (links can be changed at any time). */
  readonly net: VirtualNetwork;
  /** Virtual time. */
  readonly clock: VirtualClock;
  /** Node 0. */
  readonly server: SimNode;
  /** Nodes 1..N. */
  readonly clients: SimNode[] = [];
  /** Every node, server first. */
  readonly nodes: SimNode[] = [];
  /** Hash of everything the apps saw (events, packets, their times). */
  readonly trace: TraceHash = new TraceHash();
  /** Loop steps run so far. */
  steps = 0;
  readonly #file: string;
  readonly #maxSteps: number;
  readonly #dirty: SimNode[] = [];
  #flushing = false;
  readonly #make: (index: number, role: "server" | "client", extra?: SimHostOptions) => SimNode;

  /** Builds the network and the hosts; clients start connecting at once. */
  constructor(o: SimOptions) {
    this.seed = o.seed;
    this.#file = o.file;
    this.#maxSteps = o.maxSteps ?? 50_000_000;
    this.net = new VirtualNetwork({ seed: o.seed, link: o.link });
    this.clock = this.net.clock;
    const factory = o.createConnection ?? ((c) => new Connection(c));
    const make = this.#make = (
      index: number,
      role: "server" | "client",
      extra?: SimHostOptions,
    ) => {
      const host = new Host({
        ...o.host,
        ...extra,
        role,
        random: new SeededRandom((o.seed * 7919 + index * 104729) >>> 0),
        createConnection: factory,
      });
      const name = index === 0 ? "server" : `client-${index}`;
      const node = new SimNode(index, host, this.net.createTransport(name, 1));
      node.transport.listen((bytes, from) => {
        node.host.handleDatagram(bytes, from, this.clock.now());
        this.touch(node);
      });
      this.nodes.push(node);
      return node;
    };
    this.server = make(0, "server", o.server);
    for (let i = 1; i <= o.clients; i++) {
      const c = make(i, "client");
      c.host.connect(this.server.transport.localAddress, this.clock.now());
      this.clients.push(c);
      this.touch(c);
    }
    this.#flush();
  }

  /** Adds one more client, which starts connecting at once. */
  addClient(): SimNode {
    const c = this.#make(this.nodes.length, "client");
    c.host.connect(this.server.transport.localAddress, this.clock.now());
    this.clients.push(c);
    this.touch(c);
    this.#flush();
    return c;
  }

  /** Current virtual time (ms). */
  get now(): number {
    return this.clock.now();
  }

  /** Throws a {@link SimFailure} naming the seed and the replay command. */
  fail(message: string): never {
    throw new SimFailure(this.seed, this.#file, `t=${this.now.toFixed(1)}ms: ${message}`);
  }

  /** Asserts `ok`, else {@link fail}. */
  check(ok: boolean, message: string | (() => string)): void {
    if (!ok) this.fail(typeof message === "string" ? message : message());
  }

  /** The node whose host has unique id `id`. */
  nodeById(id: number): SimNode | undefined {
    return this.nodes.find((n) => n.host.uniqueId === id);
  }

  /** Sends from `node` like `putPacket` (throws what `Host.send` throws). */
  send(node: SimNode, target: number, data: Uint8Array, mode: TransferMode, channel = 0): void {
    node.host.send(target, data, mode, channel, this.now);
    this.touch(node);
  }

  /** Runs `fn` every `intervalMs` of virtual time (first call after one interval). */
  every(intervalMs: number, fn: () => boolean | void): void {
    const tick = () => {
      if (fn() === false) return;
      this.clock.setTimer(tick, intervalMs);
      this.#flush();
    };
    this.clock.setTimer(tick, intervalMs);
  }

  /** Marks a node as touched by an input: it is flushed at the end of this instant. */
  touch(node: SimNode): void {
    if (node.dirty) return;
    node.dirty = true;
    this.#dirty.push(node);
  }

  /**
   * Runs until `untilMs` or until `stop()` holds (checked after every instant). Returns
   * true when stopped by `stop`.
   */
  runUntil(untilMs: number, stop?: () => boolean): boolean {
    const clock = this.clock;
    let steps = 0, same = 0, last = clock.now();
    for (;;) {
      if (stop?.()) return true;
      const next = clock.nextDeadline();
      if (next === undefined || next > untilMs) {
        clock.advanceTo(Math.max(untilMs, clock.now()));
        this.#flush();
        return stop?.() ?? false;
      }
      clock.advanceTo(next < clock.now() ? clock.now() : next);
      this.#flush();
      this.steps++;
      same = clock.now() === last ? same + 1 : 0;
      last = clock.now();
      if (++steps > this.#maxSteps || same > 100_000) {
        const stuck = this.nodes.filter((n) => (n.host.pollTimeout() ?? Infinity) <= clock.now())
          .map((n) => `node ${n.index} deadline ${n.host.pollTimeout()}`);
        this.fail(
          `no progress after ${steps} steps: a deadline keeps firing without moving (spin) ` +
            `[${stuck.join(", ") || "network/app timers"}]`,
        );
      }
    }
  }

  /** Runs for `ms` more (see {@link runUntil}). */
  runFor(ms: number, stop?: () => boolean): boolean {
    return this.runUntil(this.now + ms, stop);
  }

  /**
   * Runs until every client is connected and (with relay) knows every other client; fails
   * after `withinMs`.
   */
  connectAll(withinMs: number): void {
    const n = this.clients.length;
    const ok = this.runFor(withinMs, () =>
      this.server.host.peerIds().length === n &&
      this.clients.every((c) =>
        c.host.status === ConnectionStatus.CONNECTED &&
        (!c.host.serverRelay || c.host.peerIds().length === n)
      ));
    this.check(ok, () => {
      const states = this.clients.map((c) => `${c.host.status}/${c.host.peerIds().length}`);
      return `not all connected within ${withinMs} ms (status/peers: ${states.join(" ")})`;
    });
  }

  /** Closes every transport (frees nothing real, but keeps the API honest). */
  async close(): Promise<void> {
    for (const node of this.nodes) await node.transport.close();
  }

  // End of an instant: like the driver's microtask flush, once per touched node.
  #flush(): void {
    if (this.#flushing) return; // an app callback sending re-touches; the loop below sees it
    this.#flushing = true;
    try {
      const dirty = this.#dirty;
      for (let guard = 0; dirty.length > 0; guard++) {
        if (guard > 1_000_000) this.fail("flush does not settle");
        const node = dirty.pop()!;
        node.dirty = false;
        this.#deliverToApp(node);
        const host = node.host, now = this.now;
        for (let tx = host.pollTransmit(now); tx; tx = host.pollTransmit(now)) {
          node.transport.send(tx.bytes, tx.to);
        }
        this.#arm(node);
      }
    } finally {
      this.#flushing = false;
    }
  }

  #deliverToApp(node: SimNode): void {
    const host = node.host, trace = this.trace, now = this.now;
    for (let e = host.pollEvent(); e; e = host.pollEvent()) {
      node.events.push(e);
      trace.add(now, node.index, EVENT_CODES[e.type], "id" in e ? e.id : 0);
      node.onEvent?.(e, node);
    }
    if (node.paused) return;
    for (let p = host.pollPacket(); p; p = host.pollPacket()) {
      trace.addOne(now);
      trace.addOne(node.index);
      trace.addOne(p.from);
      trace.addOne(p.channel * 4 + p.mode);
      trace.addBytes(p.data);
      node.onPacket?.(p, node);
    }
  }

  #arm(node: SimNode): void {
    const at = node.host.pollTimeout();
    if (at === undefined) return;
    if (node.timer !== undefined && node.timerAt <= at) return;
    if (node.timer !== undefined) this.clock.clearTimer(node.timer);
    node.timerAt = at;
    node.timer = this.clock.setTimer(() => {
      node.timer = undefined;
      node.timerAt = Infinity;
      node.host.handleTimeout(this.now);
      this.touch(node);
    }, at - this.now);
  }
}

const EVENT_CODES: Record<HostEvent["type"], number> = {
  connection_succeeded: 1,
  connection_failed: 2,
  peer_connected: 3,
  peer_disconnected: 4,
  server_disconnected: 5,
};
