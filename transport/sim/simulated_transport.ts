/**
 * Wraps any {@link DatagramTransport} and passes its outgoing datagrams through a
 * {@link LinkSimulator}: the peer's `simulation` option. One timer for the earliest pending
 * delivery, a min-heap for the rest.
 *
 * @module
 */
import { type LinkOptions, LinkSimulator } from "./link_simulator.ts";
import { TimeHeap } from "../time/time_heap.ts";
import { type Clock, systemClock, type TimerHandle } from "../time/clock.ts";
import type { DatagramHandler, DatagramTransport } from "../carrier.ts";
import type { PeerAddress } from "../../protocol/address.ts";

/**
 * Options of a {@link SimulatedTransport}: the foundation's `simulation` fields
 * (`loss, duplicate, latencyMs, jitterMs, seed`) plus the full link model.
 *
 * @example
 * ```ts
 * import type { SimulationOptions } from "./simulated_transport.ts";
 * const sim: SimulationOptions = { loss: 0.2, duplicate: 0.1, latencyMs: 30, jitterMs: 20, seed: 1 };
 * ```
 */
export interface SimulationOptions extends LinkOptions {
  /** Most delayed datagrams held at once (default 65536); beyond, `send` returns false. */
  maxPendingDatagrams?: number;
  /** Most delayed bytes held at once (default 32 MiB). */
  maxPendingBytes?: number;
  /** On `close()`, deliveries due within this many ms are still sent (default 200). */
  closeFlushMs?: number;
}

interface Pending {
  time: number;
  seq: number;
  bytes: Uint8Array;
  to: PeerAddress;
}

/**
 * A transport whose outgoing side behaves like a lossy, slow link.
 *
 * @example
 * ```ts
 * import { SimulatedTransport } from "./simulated_transport.ts";
 * import { UdpTransport } from "../udp/udp_transport.ts";
 * const inner = await UdpTransport.bind({ hostname: "127.0.0.1" });
 * const t = new SimulatedTransport(inner, { latencyMs: 30, loss: 0.05, seed: 1 });
 * t.send(new Uint8Array([1]), inner.localAddress); // arrives about 30 ms later
 * await t.close();
 * ```
 */
export class SimulatedTransport implements DatagramTransport {
  /** The link model (live: `link.configure(...)`, `link.setDown(true)`, `link.stats`). */
  readonly link: LinkSimulator;
  /** Datagrams dropped locally because the pending bound was hit. */
  overflowDrops = 0;
  #inner: DatagramTransport;
  #clock: Clock;
  #heap = new TimeHeap<Pending>();
  #pendingBytes = 0;
  #maxPending: number;
  #maxPendingBytes: number;
  #closeFlushMs: number;
  #timer: TimerHandle | undefined;
  #timerAt = Infinity;
  #closed = false;
  #flushed?: () => void;
  #times = new Float64Array(2);
  readonly #onTimer = () => this.#fire();

  /** Wraps `inner`; `clock` defaults to the system clock. */
  constructor(
    inner: DatagramTransport,
    options: SimulationOptions = {},
    clock: Clock = systemClock,
  ) {
    this.#inner = inner;
    this.#clock = clock;
    this.link = new LinkSimulator(options);
    this.#maxPending = options.maxPendingDatagrams ?? 65536;
    this.#maxPendingBytes = options.maxPendingBytes ?? 32 * 1024 * 1024;
    this.#closeFlushMs = options.closeFlushMs ?? 200;
  }

  /** The inner transport's limit. */
  get maxDatagramSize(): number {
    return this.#inner.maxDatagramSize;
  }

  /** Always false: the simulated link loses and reorders even over a reliable carrier. */
  get reliable(): boolean {
    return false;
  }

  /** The inner transport's address. */
  get localAddress(): PeerAddress {
    return this.#inner.localAddress;
  }

  /** Delayed datagrams waiting for their delivery time. */
  get pending(): number {
    return this.#heap.size;
  }

  /** Receives through the inner transport (only the outgoing direction is simulated). */
  listen(handler: DatagramHandler): void {
    this.#inner.listen(handler);
  }

  /** Passes the datagram through the link; false when closed or the pending bound is hit. */
  send(bytes: Uint8Array, to: PeerAddress): boolean {
    if (this.#closed) return false;
    const now = this.#clock.now();
    const n = this.link.scheduleInto(bytes.length, now, this.#times);
    let ok = true;
    for (let i = 0; i < n; i++) {
      const time = this.#times[i];
      if (time <= now && this.#heap.size === 0) {
        ok = this.#inner.send(bytes, to) && ok;
        continue;
      }
      if (
        this.#heap.size >= this.#maxPending ||
        this.#pendingBytes + bytes.length > this.#maxPendingBytes
      ) {
        this.overflowDrops++;
        ok = false;
        continue;
      }
      // delayed: the caller may reuse its buffer after send() returns
      this.#heap.push({ time, seq: 0, bytes: bytes.slice(), to });
      this.#pendingBytes += bytes.length;
      if (time < this.#timerAt) this.#arm(time, now);
    }
    return ok;
  }

  #arm(time: number, now: number): void {
    if (this.#timer !== undefined) this.#clock.clearTimer(this.#timer);
    this.#timerAt = time;
    this.#timer = this.#clock.setTimer(this.#onTimer, time - now);
  }

  #fire(): void {
    this.#timer = undefined;
    this.#timerAt = Infinity;
    const now = this.#clock.now();
    const heap = this.#heap;
    for (;;) {
      const top = heap.peek();
      if (top === undefined || top.time > now) break;
      heap.pop();
      this.#pendingBytes -= top.bytes.length;
      this.#inner.send(top.bytes, top.to);
    }
    const next = heap.peek();
    if (next !== undefined) this.#arm(next.time, now);
    else this.#flushed?.();
  }

  /**
   * Sends deliveries due within `closeFlushMs` (waiting for them), drops the rest, releases
   * the timer and closes the inner transport.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const heap = this.#heap;
    const limit = this.#clock.now() + this.#closeFlushMs;
    // drop what would arrive after the flush window, keep the order of the rest
    const keep: Pending[] = [];
    while (heap.size > 0) {
      const p = heap.pop()!;
      if (p.time <= limit) keep.push(p);
    }
    for (const p of keep) heap.push(p);
    this.#pendingBytes = 0;
    for (const p of keep) this.#pendingBytes += p.bytes.length;
    if (heap.size > 0) {
      await new Promise<void>((resolve) => this.#flushed = resolve);
      this.#flushed = undefined;
    }
    if (this.#timer !== undefined) this.#clock.clearTimer(this.#timer);
    this.#timer = undefined;
    await this.#inner.close();
  }
}
