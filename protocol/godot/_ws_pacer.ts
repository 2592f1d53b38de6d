/**
 * Paces messages toward one Godot WebSocket endpoint. Godot parses everything its socket holds
 * at each poll into a fixed receive buffer (64 KiB and 1024 messages by default) and silently
 * drops what does not fit, so what we send between two of its polls must stay within that:
 * a token bucket in bytes and in messages, refilled over the poll interval we assume.
 *
 * @module
 */

/**
 * How fast a Godot endpoint is fed: at most `bytes` and `packets` per `intervalMs`, as a
 * bucket of that size refilled continuously.
 *
 * @example
 * ```ts
 * import type { GodotPacing } from "./_ws_pacer.ts";
 * const pacing: GodotPacing = { bytes: 32 * 1024, packets: 512, intervalMs: 33 };
 * ```
 */
export interface GodotPacing {
  /** Bytes (headers included) per interval. */
  readonly bytes: number;
  /** Messages per interval. */
  readonly packets: number;
  /** The longest time assumed between two polls of the receiver (ms). */
  readonly intervalMs: number;
}

/** Token bucket in bytes and messages. */
export class WsPacer {
  readonly #pacing: GodotPacing;
  #bytes: number;
  #packets: number;
  #at = -Infinity;

  /** A full bucket. */
  constructor(pacing: GodotPacing) {
    this.#pacing = pacing;
    this.#bytes = pacing.bytes;
    this.#packets = pacing.packets;
  }

  /**
   * True when a message of `size` bytes may go at `now` (then it is charged). A message larger
   * than the bucket goes once the bucket is full, leaving a debt.
   */
  take(size: number, now: number): boolean {
    this.#refill(now);
    const p = this.#pacing;
    if (this.#packets < 1) return false;
    if (this.#bytes < size && this.#bytes < p.bytes) return false;
    this.#bytes -= size;
    this.#packets -= 1;
    return true;
  }

  /** When a message of `size` bytes may go (now or later). */
  readyAt(size: number, now: number): number {
    this.#refill(now);
    const p = this.#pacing;
    const needBytes = Math.min(size, p.bytes) - this.#bytes;
    const needPackets = 1 - this.#packets;
    const wait = Math.max(
      needBytes > 0 ? (needBytes * p.intervalMs) / p.bytes : 0,
      needPackets > 0 ? (needPackets * p.intervalMs) / p.packets : 0,
    );
    return wait > 0 ? now + Math.max(1, Math.ceil(wait)) : now;
  }

  #refill(now: number): void {
    const p = this.#pacing, elapsed = now - this.#at;
    this.#at = now;
    if (!(elapsed > 0)) return;
    this.#bytes = Math.min(p.bytes, this.#bytes + (elapsed * p.bytes) / p.intervalMs);
    this.#packets = Math.min(p.packets, this.#packets + (elapsed * p.packets) / p.intervalMs);
  }
}
