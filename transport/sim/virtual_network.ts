/**
 * An in-memory network on a virtual clock: no sockets, no real time. A whole multi-peer session
 * runs synchronously and replays exactly from a seed.
 *
 * @module
 */
import { MultiplayerError } from "../../protocol/errors.ts";
import { type LinkOptions, LinkSimulator } from "./link_simulator.ts";
import { TimeHeap } from "../time/time_heap.ts";
import type { DatagramHandler, DatagramTransport } from "../carrier.ts";
import type { PeerAddress } from "../../protocol/address.ts";
import type { TimerHandle } from "../time/clock.ts";
import { VirtualClock } from "../time/virtual_clock.ts";

export { VirtualClock } from "../time/virtual_clock.ts";

interface Delivery {
  time: number;
  seq: number;
  to: VirtualTransport;
  from: PeerAddress;
  bytes: Uint8Array;
}

/**
 * Options of a {@link VirtualNetwork}.
 *
 * @example
 * ```ts
 * import { VirtualNetwork } from "./virtual_network.ts";
 * const net = new VirtualNetwork({ seed: 1, link: { latencyMs: 20, loss: 0.1 } });
 * ```
 */
export interface VirtualNetworkOptions {
  /** Seeds every link (each link's seed is derived from this and its endpoints). */
  seed?: number;
  /** Default model of every link direction. */
  link?: LinkOptions;
  /** Clock to schedule deliveries on (default: a new {@link VirtualClock}). */
  clock?: VirtualClock;
  /** `maxDatagramSize` of the transports (default 1200). */
  maxDatagramSize?: number;
}

/**
 * Truth about a pair of endpoints, for checking measured statistics.
 *
 * @example
 * ```ts
 * import { VirtualNetwork } from "./virtual_network.ts";
 * const net = new VirtualNetwork({ link: { latencyMs: 25 } });
 * const a = net.createTransport(), b = net.createTransport();
 * console.log(net.linkTruth(a.localAddress, b.localAddress).rttMs); // 50
 * ```
 */
export interface LinkTruth {
  /** Configured round-trip time: both directions' mean delay. */
  rttMs: number;
  /** Actual share of datagrams dropped a→b so far. */
  lossRatio: number;
  /** Actual share dropped b→a so far. */
  reverseLossRatio: number;
}

/**
 * An in-memory datagram network. Each link direction has its own {@link LinkSimulator},
 * configurable per pair at any time.
 *
 * @example
 * ```ts
 * import { VirtualNetwork } from "./virtual_network.ts";
 * const net = new VirtualNetwork({ seed: 7, link: { latencyMs: 10 } });
 * const a = net.createTransport(), b = net.createTransport();
 * b.listen((bytes, from) => console.log(bytes[0], from.hostname, net.clock.now()));
 * a.send(new Uint8Array([42]), b.localAddress);
 * net.run(100); // prints "42 sim-1 10"
 * ```
 */
export class VirtualNetwork {
  /** The clock deliveries are scheduled on. */
  readonly clock: VirtualClock;
  /** Network-wide counters. */
  readonly stats = { sent: 0, delivered: 0, undeliverable: 0, dropped: 0 };
  #seed: number;
  #defaults: LinkOptions;
  #maxDatagramSize: number;
  #hosts = new Map<string, Map<number, VirtualTransport>>();
  #links = new Map<string, LinkSimulator>();
  #queue = new TimeHeap<Delivery>();
  #timer: TimerHandle | undefined;
  #timerAt = Infinity;
  #nextHost = 1;
  #times = new Float64Array(2);
  readonly #onTimer = () => this.#deliverDue();

  /** Creates an empty network. */
  constructor(options: VirtualNetworkOptions = {}) {
    this.clock = options.clock ?? new VirtualClock();
    this.#seed = options.seed ?? 1;
    this.#defaults = { ...options.link };
    this.#maxDatagramSize = options.maxDatagramSize ?? 1200;
  }

  /**
   * Creates an endpoint. Default address: a fresh host `sim-N`, port 1. Throws when taken.
   */
  createTransport(hostname?: string, port = 1): VirtualTransport {
    const host = hostname ?? `sim-${this.#nextHost++}`;
    let ports = this.#hosts.get(host);
    if (ports === undefined) this.#hosts.set(host, ports = new Map());
    if (ports.has(port)) {
      throw new MultiplayerError("INVALID_ARGUMENT", `address ${host}:${port} is already in use`);
    }
    const t = new VirtualTransport(
      this,
      { hostname: host, port, transport: "sim" },
      this.#maxDatagramSize,
    );
    ports.set(port, t);
    return t;
  }

  /**
   * The link model of direction `from → to` (created with the defaults on first use).
   */
  link(from: PeerAddress, to: PeerAddress): LinkSimulator {
    const key = `${from.hostname}:${from.port}>${to.hostname}:${to.port}`;
    let link = this.#links.get(key);
    if (link === undefined) {
      link = new LinkSimulator({ ...this.#defaults, seed: hashSeed(this.#seed, key) });
      this.#links.set(key, link);
    }
    return link;
  }

  /** Reconfigures direction `from → to`; with `bothWays`, also `to → from`. */
  setLink(from: PeerAddress, to: PeerAddress, options: LinkOptions, bothWays = false): void {
    this.link(from, to).configure(options);
    if (bothWays) this.link(to, from).configure(options);
  }

  /** Applies `options` to every link from and to `address` (e.g. `{ loss: 1 }` cuts a peer). */
  setHostLinks(address: PeerAddress, options: LinkOptions): void {
    for (const ports of this.#hosts.values()) {
      for (const other of ports.values()) {
        const o = other.localAddress;
        if (o.hostname === address.hostname && o.port === address.port) continue;
        this.setLink(address, other.localAddress, options, true);
      }
    }
  }

  /** Configured RTT and actual loss ratios between two endpoints. */
  linkTruth(a: PeerAddress, b: PeerAddress): LinkTruth {
    const ab = this.link(a, b), ba = this.link(b, a);
    return {
      rttMs: ab.meanDelayMs + ba.meanDelayMs,
      lossRatio: ab.lossRatio,
      reverseLossRatio: ba.lossRatio,
    };
  }

  /** Deliveries in flight. */
  get inFlight(): number {
    return this.#queue.size;
  }

  /** Runs the clock (and so the network) until `untilMs`. */
  run(untilMs: number): number {
    return this.clock.runUntil(untilMs);
  }

  /** @internal Called by {@link VirtualTransport.send}. */
  transmit(from: VirtualTransport, bytes: Uint8Array, to: PeerAddress): void {
    this.stats.sent++;
    const dest = this.#hosts.get(to.hostname)?.get(to.port);
    if (dest === undefined) {
      this.stats.undeliverable++;
      return;
    }
    const link = from.linkTo(dest) ??
      from.cacheLink(dest, this.link(from.localAddress, dest.localAddress));
    const now = this.clock.now();
    const n = link.scheduleInto(bytes.length, now, this.#times);
    if (n === 0) {
      this.stats.dropped++;
      return;
    }
    // send() takes ownership of `bytes` (transport contract), so no copy is needed
    const copy = bytes;
    for (let i = 0; i < n; i++) {
      const time = this.#times[i];
      this.#queue.push({ time, seq: 0, to: dest, from: from.localAddress, bytes: copy });
      if (time < this.#timerAt) this.#arm(time);
    }
  }

  /** @internal Forgets a closed endpoint. */
  remove(t: VirtualTransport): void {
    this.#hosts.get(t.localAddress.hostname)?.delete(t.localAddress.port);
  }

  #arm(time: number): void {
    if (this.#timer !== undefined) this.clock.clearTimer(this.#timer);
    this.#timerAt = time;
    this.#timer = this.clock.setTimer(this.#onTimer, time - this.clock.now());
  }

  #deliverDue(): void {
    this.#timer = undefined;
    this.#timerAt = Infinity;
    const now = this.clock.now();
    const queue = this.#queue;
    try {
      for (;;) {
        const top = queue.peek();
        if (top === undefined || top.time > now) break;
        queue.pop();
        if (top.to.deliver(top.bytes, top.from)) this.stats.delivered++;
        else this.stats.undeliverable++;
      }
    } finally {
      // re-arm even when a handler threw, so the network never stalls
      const next = queue.peek();
      if (next !== undefined && next.time !== this.#timerAt) this.#arm(next.time);
    }
  }
}

/**
 * One endpoint of a {@link VirtualNetwork}; create with `network.createTransport()`.
 *
 * @example
 * ```ts
 * import { VirtualNetwork } from "./virtual_network.ts";
 * const net = new VirtualNetwork();
 * const t = net.createTransport("sim-server", 7000);
 * console.log(t.localAddress.hostname); // "sim-server"
 * await t.close();
 * ```
 */
export class VirtualTransport implements DatagramTransport {
  /** Largest datagram accepted. */
  readonly maxDatagramSize: number;
  /** The simulated links may drop, duplicate and reorder. */
  readonly reliable = false;
  /** This endpoint's address (`transport: "sim"`). */
  readonly localAddress: PeerAddress;
  /** Counters. */
  readonly stats = { datagramsSent: 0, datagramsReceived: 0, bytesSent: 0, bytesReceived: 0 };
  #network: VirtualNetwork;
  #handler?: DatagramHandler;
  #closed = false;
  #links = new Map<VirtualTransport, LinkSimulator>();

  /** @internal Use {@link VirtualNetwork.createTransport}. */
  constructor(network: VirtualNetwork, address: PeerAddress, maxDatagramSize: number) {
    this.#network = network;
    this.localAddress = address;
    this.maxDatagramSize = maxDatagramSize;
  }

  /** Sets the handler of arriving datagrams (once). */
  listen(handler: DatagramHandler): void {
    if (this.#closed) throw new MultiplayerError("CLOSED", "listen() on a closed VirtualTransport");
    if (this.#handler) {
      throw new MultiplayerError(
        "ALREADY_ACTIVE",
        "VirtualTransport.listen() may be called only once",
      );
    }
    this.#handler = handler;
  }

  /** Hands a datagram to the network; false when closed. */
  send(bytes: Uint8Array, to: PeerAddress): boolean {
    if (bytes.length > this.maxDatagramSize) {
      throw new MultiplayerError(
        "PACKET_TOO_LARGE",
        `datagram of ${bytes.length} bytes exceeds maxDatagramSize ${this.maxDatagramSize}`,
      );
    }
    if (this.#closed) return false;
    this.stats.datagramsSent++;
    this.stats.bytesSent += bytes.length;
    this.#network.transmit(this, bytes, to);
    return true;
  }

  /** Leaves the network; datagrams still in flight to it are discarded. */
  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#handler = undefined;
      this.#network.remove(this);
    }
    return Promise.resolve();
  }

  /** @internal Cached link to `dest`. */
  linkTo(dest: VirtualTransport): LinkSimulator | undefined {
    return this.#links.get(dest);
  }

  /** @internal */
  cacheLink(dest: VirtualTransport, link: LinkSimulator): LinkSimulator {
    this.#links.set(dest, link);
    return link;
  }

  /** @internal Called by the network at delivery time; false if nobody listens. */
  deliver(bytes: Uint8Array, from: PeerAddress): boolean {
    const handler = this.#handler;
    if (handler === undefined) return false;
    this.stats.datagramsReceived++;
    this.stats.bytesReceived += bytes.length;
    handler(bytes, from);
    return true;
  }
}

/** FNV-1a of the link key mixed with the network seed: order-independent link seeds. */
function hashSeed(seed: number, key: string): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}
