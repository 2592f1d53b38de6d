/**
 * Test-only network simulator: hosts exchange datagrams over a virtual clock through a seeded
 * lossy link (loss, duplication, jitter that reorders). Pure: no sockets, no real time.
 *
 * @module
 */
import { SeededRandom } from "../random.ts";
import { addressKey, type EnetAddress } from "./address.ts";
import type { EnetEvent } from "./events.ts";
import { EnetHost } from "./host.ts";
import type { EnetOptions } from "./options.ts";

/**
 * Link behaviour between hosts.
 *
 * @example
 * ```ts
 * import type { LinkProfile } from "./_sim.ts";
 * const bad: LinkProfile = { delay: 20, jitter: 30, loss: 0.2, duplicate: 0.05 };
 * ```
 */
export interface LinkProfile {
  delay: number;
  jitter: number;
  loss: number;
  duplicate: number;
}

interface InFlight {
  at: number;
  seq: number;
  to: string;
  from: EnetAddress;
  bytes: Uint8Array;
}

/**
 * A set of hosts on one virtual network.
 *
 * @example
 * ```ts
 * import { SimNet } from "./_sim.ts";
 * const net = new SimNet(1);
 * const a = net.add({ hostname: "a", port: 1 }, { autoAccept: true });
 * const b = net.add({ hostname: "b", port: 1 });
 * b.host.connect(a.address, 1, 0, net.now);
 * net.run(1000, () => a.events.length > 0 && b.events.length > 0);
 * console.log(a.events[0].type, b.events[0].type); // connect connect
 * ```
 */
export class SimNet {
  now = 0;
  readonly rng: SeededRandom;
  profile: LinkProfile = { delay: 1, jitter: 0, loss: 0, duplicate: 0 };
  /** Drops a datagram when it returns true (applied before the profile). */
  filter: (from: EnetAddress, to: EnetAddress, bytes: Uint8Array) => boolean = () => false;
  /** Sees every datagram sent. */
  tap: (from: EnetAddress, to: EnetAddress, bytes: Uint8Array) => void = () => {};
  /**
   * Deliver each datagram as a fresh buffer given away (`owned`), as a UDP carrier reading into
   * memory it never reuses does; the buffers handed over are collected in {@link delivered}.
   */
  ownedDelivery = false;
  /** Buffers delivered with {@link ownedDelivery}. */
  readonly delivered: Set<ArrayBufferLike> = new Set();
  readonly nodes = new Map<string, SimNode>();
  #flight: InFlight[] = [];
  #seq = 0;

  /** A network whose randomness comes from `seed`. */
  constructor(seed: number) {
    this.rng = new SeededRandom(seed);
  }

  /** Adds a host at `address`. */
  add(address: EnetAddress, options: EnetOptions = {}): SimNode {
    const node = new SimNode(
      address,
      new EnetHost({ random: new SeededRandom(this.rng.nextU32()), ...options }),
    );
    this.nodes.set(addressKey(address), node);
    return node;
  }

  /** Injects a raw datagram as if `from` had sent it. */
  inject(from: EnetAddress, to: EnetAddress, bytes: Uint8Array, delay = 0): void {
    this.#schedule({ at: this.now + delay, seq: this.#seq++, to: addressKey(to), from, bytes });
  }

  #schedule(f: InFlight): void {
    let i = this.#flight.length;
    while (i > 0 && (this.#flight[i - 1].at > f.at)) i--;
    this.#flight.splice(i, 0, f);
  }

  #flush(): void {
    for (const node of this.nodes.values()) {
      if (!node.up) continue;
      for (let t = node.host.pollTransmit(this.now); t; t = node.host.pollTransmit(this.now)) {
        node.sent++;
        this.tap(node.address, t.to, t.bytes);
        if (this.filter(node.address, t.to, t.bytes)) continue;
        const p = this.profile;
        const copies = this.rng.next() < p.duplicate ? 2 : 1;
        for (let c = 0; c < copies; c++) {
          if (this.rng.next() < p.loss) continue;
          const at = this.now + p.delay + this.rng.next() * p.jitter;
          this.#schedule({
            at,
            seq: this.#seq++,
            to: addressKey(t.to),
            from: node.address,
            bytes: t.bytes,
          });
        }
      }
    }
  }

  #drain(): void {
    for (const node of this.nodes.values()) {
      if (!node.up || !node.polling) continue;
      for (let e = node.host.pollEvent(); e; e = node.host.pollEvent()) {
        node.events.push(e);
        node.onEvent(e, this.now);
      }
    }
  }

  /** Runs until `done()` holds (true) or the clock reaches `until` (false). */
  run(until: number, done: () => boolean = () => false): boolean {
    for (let guard = 0; guard < 2_000_000; guard++) {
      this.#drain();
      this.#flush();
      this.#drain();
      if (done()) return true;
      let next = this.#flight.length > 0 ? this.#flight[0].at : Infinity;
      for (const node of this.nodes.values()) {
        if (node.up) next = Math.min(next, node.host.pollTimeout());
      }
      if (next > until) {
        this.now = Math.max(this.now, until);
        return done();
      }
      this.now = Math.max(this.now, next);
      while (this.#flight.length > 0 && this.#flight[0].at <= this.now) {
        const f = this.#flight.shift()!;
        const node = this.nodes.get(f.to);
        if (node === undefined || !node.up) continue;
        if (this.ownedDelivery) {
          const bytes = f.bytes.slice();
          this.delivered.add(bytes.buffer);
          node.host.handleDatagram(bytes, f.from, this.now, true);
        } else node.host.handleDatagram(f.bytes, f.from, this.now);
      }
      for (const node of this.nodes.values()) {
        if (node.up && node.host.pollTimeout() <= this.now) node.host.handleTimeout(this.now);
      }
    }
    throw new Error("simulation did not settle");
  }
}

/**
 * One host on a {@link SimNet}, with the events it reported.
 *
 * @example
 * ```ts
 * import { SimNet } from "./_sim.ts";
 * const node = new SimNet(2).add({ hostname: "x", port: 9 });
 * console.log(node.events.length, node.up); // 0 true
 * ```
 */
export class SimNode {
  readonly address: EnetAddress;
  readonly host: EnetHost;
  readonly events: EnetEvent[] = [];
  /** False: the host neither sends nor receives (a dead machine). */
  up = true;
  /** False: its events are not taken (an owner that stopped reading). */
  polling = true;
  sent = 0;
  onEvent: (event: EnetEvent, now: number) => void = () => {};

  /** A node for `host` at `address`. */
  constructor(address: EnetAddress, host: EnetHost) {
    this.address = address;
    this.host = host;
  }

  /** Events of one type. */
  of<T extends EnetEvent["type"]>(type: T): Extract<EnetEvent, { type: T }>[] {
    return this.events.filter((e) => e.type === type) as Extract<EnetEvent, { type: T }>[];
  }
}
