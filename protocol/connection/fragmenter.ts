/**
 * Fragmentation helpers and the bounded reassembler for unreliable fragment groups (all
 * fragments or nothing). Reliable fragments are reassembled in order by `_reliable_receiver.ts`,
 * sharing the same {@link ReassemblyBudget}.
 *
 * @module
 */

/**
 * Byte budget shared by every reassembly buffer of one connection (optionally drawing from a
 * server-wide parent budget).
 *
 * @example
 * ```ts
 * import { ReassemblyBudget } from "./fragmenter.ts";
 * const b = new ReassemblyBudget(1000);
 * console.log(b.take(800), b.take(300)); // true false
 * ```
 */
export class ReassemblyBudget {
  /** Bytes currently reserved. */
  used = 0;
  /** Upper bound. */
  readonly max: number;
  #parent: ReassemblyBudget | undefined;
  /** Creates a budget of `max` bytes, drawing also from `parent` (e.g. a server-wide total). */
  constructor(max: number, parent?: ReassemblyBudget) {
    this.max = max;
    this.#parent = parent;
  }
  /** Reserves `n` bytes; false (nothing reserved) when that would exceed the bound. */
  take(n: number): boolean {
    if (n > this.max - this.used) return false;
    if (this.#parent && !this.#parent.take(n)) return false;
    this.used += n;
    return true;
  }
  /** Returns `n` bytes. */
  give(n: number): void {
    this.used -= n;
    this.#parent?.give(n);
  }
  /** Returns everything still reserved to the parent and detaches (the owner is gone). */
  release(): void {
    this.#parent?.give(this.used);
    this.#parent = undefined;
  }
}

/**
 * Number of fragments of `length` bytes split at `fragmentSize`.
 *
 * @example
 * ```ts
 * import { fragmentCount } from "./fragmenter.ts";
 * console.log(fragmentCount(2500, 1000)); // 3
 * ```
 */
export function fragmentCount(length: number, fragmentSize: number): number {
  return Math.ceil(length / fragmentSize);
}

/**
 * Checks a fragment's declared shape against the limits before anything is allocated: every
 * fragment but the last is exactly `fragLen` bytes, so `count * fragLen` bounds the message.
 *
 * @example
 * ```ts
 * import { fragmentShapeOk } from "./fragmenter.ts";
 * console.log(fragmentShapeOk(3, 1000, 1 << 20), fragmentShapeOk(60000, 1000, 1 << 20)); // true false
 * ```
 */
export function fragmentShapeOk(count: number, fragLen: number, maxMessageSize: number): boolean {
  return fragLen > 0 && count >= 1 && (count - 1) * fragLen < maxMessageSize;
}

const SLOTS = 8;

/**
 * Reassembles unreliable fragment groups. At most 8 groups at once (the oldest is evicted),
 * each expiring after `expiryMs`, all within the shared byte budget. The allocation of a group
 * is `count * fragLen` where `fragLen` is the length of a received non-last fragment (checked
 * against `maxMessageSize` and the budget first), never a declared length alone.
 *
 * @example
 * ```ts
 * import { ReassemblyBudget, UnreliableReassembler } from "./fragmenter.ts";
 * const r = new UnreliableReassembler(new ReassemblyBudget(1 << 20), 1 << 20, 1000);
 * const a = new Uint8Array([1, 2]), b = new Uint8Array([3]);
 * r.add(1, false, 7, 0, 2, false, 0, a, 0, 2, 0);
 * const msg = r.add(1, false, 7, 1, 2, false, 0, b, 0, 1, 0);
 * console.log(msg); // Uint8Array(3) [ 1, 2, 3 ]
 * ```
 */
export class UnreliableReassembler {
  /** Peer field of the last completed group. */
  hasPeer = false;
  /** Peer value of the last completed group. */
  peer = 0;
  /** Groups dropped (expired, evicted, over budget, inconsistent). */
  dropped = 0;
  readonly #budget: ReassemblyBudget;
  readonly #maxMessageSize: number;
  readonly #expiryMs: number;
  readonly #used = new Uint8Array(SLOTS);
  readonly #channel = new Int32Array(SLOTS);
  readonly #ordered = new Uint8Array(SLOTS);
  readonly #group = new Int32Array(SLOTS);
  readonly #count = new Int32Array(SLOTS);
  readonly #fragLen = new Int32Array(SLOTS);
  readonly #got = new Int32Array(SLOTS);
  readonly #lastLen = new Int32Array(SLOTS);
  readonly #charged = new Float64Array(SLOTS);
  readonly #expires = new Float64Array(SLOTS);
  readonly #hasPeer = new Uint8Array(SLOTS);
  readonly #peer = new Int32Array(SLOTS);
  readonly #buf: (Uint8Array | undefined)[] = new Array(SLOTS).fill(undefined);
  readonly #bits: (Uint8Array | undefined)[] = new Array(SLOTS).fill(undefined);
  readonly #pendingLast: (Uint8Array | undefined)[] = new Array(SLOTS).fill(undefined);

  /** Creates a reassembler drawing from `budget`. */
  constructor(budget: ReassemblyBudget, maxMessageSize: number, expiryMs: number) {
    this.#budget = budget;
    this.#maxMessageSize = maxMessageSize;
    this.#expiryMs = expiryMs;
  }
  /**
   * Adds fragment `index` of `count` of group `group` (payload `src[start..end)`). Returns the
   * complete message (a fresh buffer; peer fields in `hasPeer`/`peer`) or undefined.
   */
  add(
    channel: number,
    ordered: boolean,
    group: number,
    index: number,
    count: number,
    hasPeer: boolean,
    peer: number,
    src: Uint8Array,
    start: number,
    end: number,
    now: number,
  ): Uint8Array | undefined {
    const len = end - start;
    if (count === 1) {
      this.hasPeer = hasPeer;
      this.peer = peer;
      return src.slice(start, end);
    }
    let s = this.#find(channel, ordered, group);
    if (s < 0) {
      s = this.#alloc(now);
      this.#used[s] = 1;
      this.#channel[s] = channel;
      this.#ordered[s] = ordered ? 1 : 0;
      this.#group[s] = group;
      this.#count[s] = count;
      this.#fragLen[s] = 0;
      this.#got[s] = 0;
      this.#lastLen[s] = -1;
      this.#charged[s] = 0;
      this.#expires[s] = now + this.#expiryMs;
      this.#hasPeer[s] = hasPeer ? 1 : 0;
      this.#peer[s] = peer;
    } else if (this.#count[s] !== count) return this.#drop(s);
    const last = index === count - 1;
    if (last) {
      if (this.#lastLen[s] >= 0 || len === 0) return this.#drop(s);
      this.#lastLen[s] = len;
    }
    if (this.#buf[s] === undefined) {
      if (last) {
        // size unknown until a full-size fragment arrives: keep a small copy
        if (!this.#budget.take(len)) return this.#drop(s);
        this.#charged[s] += len;
        this.#pendingLast[s] = src.slice(start, end);
        this.#got[s]++;
        return undefined;
      }
      if (!fragmentShapeOk(count, len, this.#maxMessageSize)) return this.#drop(s);
      const size = count * len;
      if (!this.#budget.take(size)) return this.#drop(s);
      this.#charged[s] += size;
      this.#fragLen[s] = len;
      this.#buf[s] = new Uint8Array(size);
      this.#bits[s] = new Uint8Array((count + 7) >>> 3);
      const pl = this.#pendingLast[s];
      if (pl !== undefined) {
        if (pl.length > len) return this.#drop(s);
        this.#buf[s]!.set(pl, (count - 1) * len);
        this.#bits[s]![(count - 1) >>> 3] |= 1 << ((count - 1) & 7);
        this.#pendingLast[s] = undefined;
      }
    }
    const fl = this.#fragLen[s], bits = this.#bits[s]!;
    if (last ? len > fl : len !== fl) return this.#drop(s);
    if (bits[index >>> 3] & (1 << (index & 7))) return this.#drop(s); // duplicate: hostile
    bits[index >>> 3] |= 1 << (index & 7);
    this.#buf[s]!.set(src.subarray(start, end), index * fl);
    if (++this.#got[s] < count) return undefined;
    const total = (count - 1) * fl + this.#lastLen[s];
    const out = this.#buf[s]!.subarray(0, total);
    this.hasPeer = this.#hasPeer[s] === 1;
    this.peer = this.#peer[s];
    this.#free(s);
    return out;
  }
  /** Drops groups whose expiry passed. */
  expire(now: number): void {
    for (let s = 0; s < SLOTS; s++) {
      if (this.#used[s] && now >= this.#expires[s]) this.#drop(s);
    }
  }
  /** Earliest expiry, or Infinity. */
  get nextExpiry(): number {
    let t = Infinity;
    for (let s = 0; s < SLOTS; s++) if (this.#used[s] && this.#expires[s] < t) t = this.#expires[s];
    return t;
  }
  /** Groups in progress. */
  get pending(): number {
    let n = 0;
    for (let s = 0; s < SLOTS; s++) n += this.#used[s];
    return n;
  }
  #find(channel: number, ordered: boolean, group: number): number {
    const o = ordered ? 1 : 0;
    for (let s = 0; s < SLOTS; s++) {
      if (
        this.#used[s] && this.#group[s] === group && this.#channel[s] === channel &&
        this.#ordered[s] === o
      ) return s;
    }
    return -1;
  }
  #alloc(now: number): number {
    let oldest = 0;
    for (let s = 0; s < SLOTS; s++) {
      if (!this.#used[s]) return s;
      if (this.#expires[s] < this.#expires[oldest]) oldest = s;
    }
    this.expire(now);
    if (!this.#used[oldest]) return oldest;
    this.#drop(oldest);
    return oldest;
  }
  #drop(s: number): undefined {
    this.dropped++;
    this.#free(s);
    return undefined;
  }
  #free(s: number): void {
    this.#budget.give(this.#charged[s]);
    this.#charged[s] = 0;
    this.#used[s] = 0;
    this.#buf[s] = undefined;
    this.#bits[s] = undefined;
    this.#pendingLast[s] = undefined;
  }
}
