/**
 * Yielding helpers for benchmark senders. Why not `setImmediate`: while a Deno process keeps
 * re-scheduling itself (setImmediate, MessageChannel), the runtime polls the socket driver only
 * every ~60 turns, so acks are read 50-300 ms late. A sender must instead let the event loop
 * park: wait on a timer or on the peer (`await peer.poll(ms)`), and socket reads complete at once.
 *
 * @module
 */

/** Something that can wait for activity, e.g. a `UdpMultiplayerPeer`. */
interface Pollable {
  poll(timeoutMs?: number): Promise<number>;
}

/**
 * Lets the event loop park until `peer` has activity or `ms` passed, so acks and the peer's
 * end-of-turn flush run promptly (the peer keeps sending its queue meanwhile).
 *
 * @example
 * ```ts
 * import { nextTurn } from "./pace.ts";
 * const peer = { poll: (_ms?: number) => Promise.resolve(0) };
 * await nextTurn(peer);
 * ```
 */
export async function nextTurn(peer: Pollable, ms = 1): Promise<void> {
  await peer.poll(ms);
}

/**
 * Resolves after `ms` milliseconds (backoff while a send queue is full; not synchronization).
 *
 * @example
 * ```ts
 * import { delay } from "./pace.ts";
 * await delay(1);
 * ```
 */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Fixed-rate scheduling that survives late timers: a busy machine fires a 5 ms interval late
 * or skips beats, so counting timer callbacks under-delivers the nominal rate. `due(now)` says
 * how many periods have elapsed since the last call, at most `maxCatchUp` (older ones are dropped
 * and counted in `skipped`: a generator that far behind is the bottleneck, and saying so beats
 * bursting).
 *
 * @example
 * ```ts
 * import { FixedRate } from "./pace.ts";
 * const rate = new FixedRate(5, 10, 0);
 * console.log(rate.due(12), rate.due(13), rate.due(100), rate.skipped); // 2 0 10 8
 * ```
 */
export class FixedRate {
  readonly #periodMs: number;
  readonly #maxCatchUp: number;
  #next: number;
  #skipped = 0;
  /** One period every `periodMs` from `start` on. */
  constructor(periodMs: number, maxCatchUp: number, start: number) {
    this.#periodMs = periodMs;
    this.#maxCatchUp = Math.max(1, maxCatchUp);
    this.#next = start + periodMs;
  }
  /** Periods due at `now` (0 when early). */
  due(now: number): number {
    if (now < this.#next) return 0;
    const elapsed = Math.floor((now - this.#next) / this.#periodMs) + 1;
    this.#next += elapsed * this.#periodMs;
    const n = Math.min(elapsed, this.#maxCatchUp);
    this.#skipped += elapsed - n;
    return n;
  }
  /** Periods dropped because they were too far behind. */
  get skipped(): number {
    return this.#skipped;
  }
}
