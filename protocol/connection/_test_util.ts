/**
 * Helpers for Connection tests: a default config and a seeded lossy in-memory link.
 *
 * @module
 */
import { Connection } from "./connection.ts";
import type { ConnectionOptions } from "./options.ts";
import type { ConnectionConfig } from "./types.ts";
import type { TransferMode } from "../constants.ts";
import { SeededRandom } from "../random.ts";

/**
 * A test config with overrides.
 *
 * @example
 * ```ts
 * import { testConfig } from "./_test_util.ts";
 * console.log(testConfig({ datagramSize: 600 }).datagramSize); // 600
 * ```
 */
export function testConfig(over: Partial<ConnectionConfig> = {}): ConnectionConfig {
  return {
    sessionId: 0xabcdef01,
    wireChannelCount: 3,
    datagramSize: 1200,
    maxMessageSize: 2 << 20,
    timeoutMs: 10_000,
    keepaliveMs: 1000,
    reliableCarrier: false,
    maxSendQueueBytes: 8 << 20,
    maxReassemblyBytes: 4 << 20,
    now: 0,
    ...over,
  };
}

/** One delivered message as seen by a test sink. */
export interface Received {
  /** Wire channel. */
  readonly ch: number;
  /** Transfer mode. */
  readonly mode: TransferMode;
  /** Peer field. */
  readonly peer: number | undefined;
  /** Payload. */
  readonly data: Uint8Array;
}

/**
 * A connection whose deliveries are collected in `got`.
 *
 * @example
 * ```ts
 * import { collecting, testConfig } from "./_test_util.ts";
 * const { conn, got } = collecting(testConfig());
 * console.log(conn.queuedBytes, got.length); // 0 0
 * ```
 */
export function collecting(
  cfg: ConnectionConfig,
  options?: ConnectionOptions,
): { conn: Connection; got: Received[] } {
  const conn = new Connection(cfg, options);
  const got: Received[] = [];
  conn.onMessage = (ch, mode, peer, data) => {
    got.push({ ch, mode, peer, data });
    return true;
  };
  return { conn, got };
}

/**
 * Every datagram `c` has ready at `now` (bounded: a runaway sender fails the test instead of
 * hanging it).
 *
 * @example
 * ```ts
 * import { collecting, drain, testConfig } from "./_test_util.ts";
 * console.log(drain(collecting(testConfig()).conn, 0).length); // 0
 * ```
 */
export function drain(c: Connection, now: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let d = c.pollTransmit(now); d; d = c.pollTransmit(now)) {
    if (out.push(d) > 10_000) throw new Error("drain: more than 10 000 datagrams at once");
  }
  return out;
}

/** Link model of {@link LossyLink}. */
export interface LinkModel {
  /** Drop probability. */
  readonly loss: number;
  /** Duplicate probability. */
  readonly duplicate: number;
  /** Base one-way latency (ms). */
  readonly latencyMs: number;
  /** Uniform jitter added to the latency (ms); reorders datagrams. */
  readonly jitterMs: number;
}

/**
 * Seeded in-memory link between two connections driven on simulated time: datagrams are
 * dropped, duplicated and delayed (reordered) per the model, then delivered in time order.
 *
 * @example
 * ```ts
 * import { collecting, LossyLink, testConfig } from "./_test_util.ts";
 * const a = collecting(testConfig()), b = collecting(testConfig());
 * const link = new LossyLink(a.conn, b.conn, { loss: 0, duplicate: 0, latencyMs: 5, jitterMs: 0 }, 1);
 * link.runUntil(() => true, 100);
 * ```
 */
export class LossyLink {
  /** Simulated time (ms). */
  now = 0;
  /** Datagrams put on the wire. */
  sent = 0;
  readonly #a: Connection;
  readonly #b: Connection;
  readonly #m: LinkModel;
  readonly #rnd: SeededRandom;
  #inFlight: { at: number; to: Connection; bytes: Uint8Array }[] = [];
  /** Connects `a` and `b` through `model`, seeded. */
  constructor(a: Connection, b: Connection, model: LinkModel, seed: number) {
    this.#a = a;
    this.#b = b;
    this.#m = model;
    this.#rnd = new SeededRandom(seed);
  }
  /** Drains both sides' transmits onto the link. */
  flush(): void {
    for (const [from, to] of [[this.#a, this.#b], [this.#b, this.#a]] as const) {
      for (let d = from.pollTransmit(this.now); d; d = from.pollTransmit(this.now)) {
        this.sent++;
        if (this.#rnd.next() < this.#m.loss) continue;
        const copies = this.#rnd.next() < this.#m.duplicate ? 2 : 1;
        for (let i = 0; i < copies; i++) {
          const at = this.now + this.#m.latencyMs + this.#rnd.next() * this.#m.jitterMs;
          this.#inFlight.push({ at, to, bytes: d });
        }
      }
    }
  }
  /** Advances time event by event until `done()` or `maxMs` of simulated time passed. */
  runUntil(done: () => boolean, maxMs: number): boolean {
    const end = this.now + maxMs;
    this.flush();
    for (let guard = 0; guard < 10_000_000; guard++) {
      if (done()) return true;
      let next = Math.min(this.#a.pollTimeout(), this.#b.pollTimeout());
      let idx = -1;
      for (let i = 0; i < this.#inFlight.length; i++) {
        if (this.#inFlight[i].at < next) {
          next = this.#inFlight[i].at;
          idx = i;
        }
      }
      if (next > end) {
        this.now = end;
        return done();
      }
      this.now = Math.max(this.now, next);
      if (idx >= 0) {
        const d = this.#inFlight[idx];
        this.#inFlight.splice(idx, 1);
        d.to.handleDatagram(d.bytes, this.now);
      } else {
        this.#a.handleTimeout(this.now);
        this.#b.handleTimeout(this.now);
      }
      this.flush();
    }
    throw new Error("runUntil: guard exhausted");
  }
}
