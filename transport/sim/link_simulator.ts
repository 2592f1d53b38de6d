/**
 * A seeded, pure model of one direction of a network link. It decides what happens to each
 * datagram (dropped, delayed, duplicated); the caller schedules the deliveries.
 *
 * Order of the model per datagram: outage → bottleneck queue (tail drop, bandwidth
 * serialization) → loss (random + Gilbert–Elliott) → latency + jitter (+ reorder delay) →
 * duplicate. Jitter varies the delay but keeps the link first-in first-out, as a real path
 * mostly does; only `reorder` (or `jitterReorders: true`) lets datagrams overtake each other.
 *
 * @module
 */
import { MultiplayerError } from "../../protocol/errors.ts";
import { SeededRandom } from "../../protocol/random.ts";

/**
 * Gilbert–Elliott two-state burst loss: per datagram the state may flip, then the datagram is
 * lost with the state's loss probability.
 *
 * @example
 * ```ts
 * import type { BurstLoss } from "./link_simulator.ts";
 * const burst: BurstLoss = { pGoodToBad: 0.01, pBadToGood: 0.3, lossInBad: 0.8, lossInGood: 0 };
 * ```
 */
export interface BurstLoss {
  /** Probability of moving from the good to the bad state, per datagram. */
  pGoodToBad: number;
  /** Probability of moving from the bad to the good state, per datagram. */
  pBadToGood: number;
  /** Loss probability in the bad state. */
  lossInBad: number;
  /** Loss probability in the good state. */
  lossInGood: number;
}

/**
 * Link model options; every field is optional and defaults to a perfect link.
 *
 * @example
 * ```ts
 * import type { LinkOptions } from "./link_simulator.ts";
 * const wifi: LinkOptions = { loss: 0.02, latencyMs: 30, jitterMs: 10, seed: 7 };
 * ```
 */
export interface LinkOptions {
  /** Independent random loss probability, 0..1. */
  loss?: number;
  /** Bursty loss on top of `loss`. */
  burst?: BurstLoss;
  /** Probability a delivered datagram is delivered twice, 0..1. */
  duplicate?: number;
  /** Probability a datagram gets `reorderDelayMs` extra delay, 0..1. */
  reorder?: number;
  /** Extra delay of reordered datagrams (default 20 ms). */
  reorderDelayMs?: number;
  /** Base one-way delay. */
  latencyMs?: number;
  /** Uniform jitter: delay is `latencyMs ± jitterMs` (never below 0). */
  jitterMs?: number;
  /** Let jitter reorder datagrams (independent delay per datagram); default false (FIFO). */
  jitterReorders?: boolean;
  /** Bottleneck rate in bytes per second; 0 = no cap. */
  bandwidthBytesPerSec?: number;
  /** Bottleneck queue in bytes (tail drop when full); default 64 KiB. Only with a bandwidth cap. */
  queueBytes?: number;
  /** PRNG seed (default 1). */
  seed?: number;
}

/**
 * What happened on a link so far (the simulator's truth).
 *
 * @example
 * ```ts
 * import { LinkSimulator } from "./link_simulator.ts";
 * const link = new LinkSimulator({ loss: 0.5, seed: 1 });
 * for (let i = 0; i < 100; i++) link.schedule(100, i);
 * console.log(link.stats.offered); // 100
 * ```
 */
export interface LinkStats {
  /** Datagrams offered to the link. */
  offered: number;
  /** Bytes offered. */
  bytesOffered: number;
  /** Dropped by random or burst loss. */
  droppedLoss: number;
  /** Dropped because the bottleneck queue was full. */
  droppedQueue: number;
  /** Dropped during an outage. */
  droppedOutage: number;
  /** Extra copies created. */
  duplicated: number;
  /** Datagrams given the reorder delay. */
  reordered: number;
  /** Deliveries returned (including duplicates). */
  delivered: number;
  /** Bytes of the deliveries. */
  bytesDelivered: number;
}

function checkProbability(name: string, v: number | undefined): void {
  if (v !== undefined && !(v >= 0 && v <= 1)) {
    throw new MultiplayerError("INVALID_ARGUMENT", `${name} must be in [0, 1], got ${v}`);
  }
}

function checkNonNegative(name: string, v: number | undefined): void {
  if (v !== undefined && !(v >= 0 && Number.isFinite(v))) {
    throw new MultiplayerError(
      "INVALID_ARGUMENT",
      `${name} must be a finite number >= 0, got ${v}`,
    );
  }
}

/**
 * One direction of a simulated link.
 *
 * @example
 * ```ts
 * import { LinkSimulator } from "./link_simulator.ts";
 * const link = new LinkSimulator({ latencyMs: 25, bandwidthBytesPerSec: 100_000, seed: 3 });
 * console.log(link.schedule(1000, 0)); // [35]: 10 ms on the wire + 25 ms latency
 * ```
 */
export class LinkSimulator {
  /** Counters (truth for stats tests). */
  readonly stats: LinkStats = {
    offered: 0,
    bytesOffered: 0,
    droppedLoss: 0,
    droppedQueue: 0,
    droppedOutage: 0,
    duplicated: 0,
    reordered: 0,
    delivered: 0,
    bytesDelivered: 0,
  };
  #options: Required<Omit<LinkOptions, "burst">> & { burst?: BurstLoss };
  #random: SeededRandom;
  #bad = false;
  #down = false;
  #outageFrom = 0;
  #outageUntil = 0;
  #busyUntil = -Infinity; // when the bottleneck finishes serializing what it holds
  #scratch = new Float64Array(2);

  /** Creates a link; throws a `MultiplayerError` on out-of-range options. */
  constructor(options: LinkOptions = {}) {
    this.#options = {
      loss: 0,
      duplicate: 0,
      reorder: 0,
      reorderDelayMs: 20,
      latencyMs: 0,
      jitterMs: 0,
      jitterReorders: false,
      bandwidthBytesPerSec: 0,
      queueBytes: 64 * 1024,
      seed: 1,
    };
    this.configure(options);
    this.#random = new SeededRandom(this.#options.seed);
  }

  /** Current options (a copy). */
  get options(): LinkOptions {
    return { ...this.#options, burst: this.#options.burst && { ...this.#options.burst } };
  }

  /**
   * Changes options at runtime (only the given fields). A new `seed` restarts the PRNG.
   *
   * @example
   * ```ts
   * import { LinkSimulator } from "./link_simulator.ts";
   * const link = new LinkSimulator();
   * link.configure({ loss: 1 }); // cut this direction
   * console.log(link.schedule(10, 0).length); // 0
   * ```
   */
  configure(options: LinkOptions): void {
    checkProbability("loss", options.loss);
    checkProbability("duplicate", options.duplicate);
    checkProbability("reorder", options.reorder);
    for (const k of ["pGoodToBad", "pBadToGood", "lossInBad", "lossInGood"] as const) {
      if (options.burst) checkProbability(`burst.${k}`, options.burst[k]);
    }
    for (
      const k of [
        "latencyMs",
        "jitterMs",
        "reorderDelayMs",
        "bandwidthBytesPerSec",
        "queueBytes",
      ] as const
    ) checkNonNegative(k, options[k]);
    const o = this.#options;
    for (const [k, v] of Object.entries(options)) {
      if (v !== undefined && k in o || k === "burst") (o as Record<string, unknown>)[k] = v;
    }
    if (options.burst === undefined && "burst" in options) this.#bad = false;
    if (options.seed !== undefined && this.#random) this.#random = new SeededRandom(options.seed);
  }

  /** Starts (true) or ends (false) a total outage: everything offered is dropped. */
  setDown(down: boolean): void {
    this.#down = down;
  }

  /**
   * Schedules an outage window `[fromMs, untilMs)` in the caller's time base.
   *
   * @example
   * ```ts
   * import { LinkSimulator } from "./link_simulator.ts";
   * const link = new LinkSimulator();
   * link.setOutage(1000, 4000); // a 3 s outage
   * console.log(link.schedule(10, 2000).length, link.schedule(10, 4000).length); // 0 1
   * ```
   */
  setOutage(fromMs: number, untilMs: number): void {
    this.#outageFrom = fromMs;
    this.#outageUntil = untilMs;
  }

  /** True when a datagram offered at `now` would be lost to an outage. */
  isDown(now: number): boolean {
    return this.#down || (now >= this.#outageFrom && now < this.#outageUntil);
  }

  /** Bytes waiting in the bottleneck queue at `now`. */
  queuedBytes(now: number): number {
    const bw = this.#options.bandwidthBytesPerSec;
    if (bw <= 0 || this.#busyUntil <= now) return 0;
    return (this.#busyUntil - now) * bw / 1000;
  }

  /** Ratio of offered datagrams dropped for any reason. */
  get lossRatio(): number {
    const s = this.stats;
    return s.offered === 0 ? 0 : (s.droppedLoss + s.droppedQueue + s.droppedOutage) / s.offered;
  }

  /** Mean one-way delay without queueing: the configured latency (jitter is symmetric). */
  get meanDelayMs(): number {
    const o = this.#options;
    return o.latencyMs + o.reorder * o.reorderDelayMs;
  }

  /**
   * Decides the fate of one datagram of `size` bytes offered at `now`; returns its delivery
   * times (empty = dropped, two entries = duplicated). Allocates; see {@link scheduleInto}.
   */
  schedule(size: number, now: number): number[] {
    const n = this.scheduleInto(size, now, this.#scratch);
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push(this.#scratch[i]);
    return out;
  }

  /**
   * Allocation-free {@link schedule}: writes the delivery times to `out[0..n)`, returns n (0-2).
   *
   * @example
   * ```ts
   * import { LinkSimulator } from "./link_simulator.ts";
   * const link = new LinkSimulator({ latencyMs: 10 });
   * const times = new Float64Array(2);
   * const n = link.scheduleInto(100, 5, times);
   * console.log(n, times[0]); // 1 15
   * ```
   */
  scheduleInto(size: number, now: number, out: Float64Array | number[]): number {
    const o = this.#options;
    const s = this.stats;
    const rnd = this.#random;
    s.offered++;
    s.bytesOffered += size;
    if (this.isDown(now)) {
      s.droppedOutage++;
      return 0;
    }
    let leave = now;
    const bw = o.bandwidthBytesPerSec;
    if (bw > 0) {
      const start = this.#busyUntil > now ? this.#busyUntil : now;
      const backlog = (start - now) * bw / 1000;
      if (backlog + size > o.queueBytes && backlog > 0) {
        s.droppedQueue++;
        return 0;
      }
      leave = start + size * 1000 / bw;
      this.#busyUntil = leave;
    }
    // loss after the bottleneck: a lost datagram still used the link
    let lost = o.loss > 0 && rnd.next() < o.loss;
    const burst = o.burst;
    if (burst !== undefined) {
      if (this.#bad) {
        if (rnd.next() < burst.pBadToGood) this.#bad = false;
      } else if (rnd.next() < burst.pGoodToBad) this.#bad = true;
      const p = this.#bad ? burst.lossInBad : burst.lossInGood;
      if (p > 0 && rnd.next() < p) lost = true;
    }
    if (lost) {
      s.droppedLoss++;
      return 0;
    }
    let t = leave + this.#delay();
    if (!o.jitterReorders) {
      // FIFO: a datagram never arrives before one sent earlier on the same link
      if (t < this.#inOrderUntil) t = this.#inOrderUntil;
      this.#inOrderUntil = t;
    }
    if (o.reorder > 0 && rnd.next() < o.reorder) {
      t += o.reorderDelayMs;
      s.reordered++;
    }
    out[0] = t;
    s.delivered++;
    s.bytesDelivered += size;
    if (o.duplicate > 0 && rnd.next() < o.duplicate) {
      out[1] = leave + this.#delay();
      s.duplicated++;
      s.delivered++;
      s.bytesDelivered += size;
      return 2;
    }
    return 1;
  }

  #inOrderUntil = 0;

  #delay(): number {
    const o = this.#options;
    if (o.jitterMs === 0) return o.latencyMs;
    const d = o.latencyMs + (2 * this.#random.next() - 1) * o.jitterMs;
    return d > 0 ? d : 0;
  }
}
