/**
 * Receive side of one channel: reliable ordering with ENet's reliable windows, unreliable
 * sequencing, fragment reassembly. Pure bookkeeping: delivery and byte budgets go through an
 * {@link InboundContext} the peer provides.
 *
 * @module
 */
import type { DecodedCommand } from "./codec.ts";
import { EnetCommand, EnetDefault, EnetLimit, EnetPacketFlag } from "./constants.ts";

/** Result of handling one data command: acknowledge it (if asked) or stop the datagram. */
export const OK = 0;
/** The command is invalid or refused: it is not acknowledged and the datagram stops here. */
export const ERROR = -1;

/** Bytes charged per queued packet on top of its data (bounds zero-length floods). */
export const ENTRY_OVERHEAD = 32;

/**
 * What a channel needs from its peer.
 *
 * @example
 * ```ts
 * import type { InboundContext } from "./_incoming.ts";
 * const ctx: InboundContext = {
 *   now: 0, maxPacketSize: 1 << 20,
 *   copy: (bytes, start, end) => bytes.slice(start, end),
 *   deliver: () => true, tryHold: () => true, release: () => {},
 *   tryReserve: () => true, unreserve: () => {}, dropped: () => {},
 * };
 * ```
 */
export interface InboundContext {
  /** Current time (ms). */
  now: number;
  maxPacketSize: number;
  /** A copy of `bytes[start, end)` to keep (the datagram's bytes are the caller's, reused). */
  copy(bytes: Uint8Array, start: number, end: number): Uint8Array;
  /** Queues a complete packet for the owner; false = inbound queue full (refused). */
  deliver(channel: number, data: Uint8Array, flags: number, force: boolean): boolean;
  /** Charges `bytes` of out-of-order data; false = over the bound (`force` charges anyway). */
  tryHold(bytes: number, force?: boolean): boolean;
  /** Gives back held bytes. */
  release(bytes: number): void;
  /** Charges reassembly bytes; `inOrder` groups may exceed the per-peer bound. */
  tryReserve(bytes: number, inOrder: boolean): boolean;
  unreserve(bytes: number): void;
  /** Counts a dropped / refused command. */
  dropped(): void;
}

interface HeldReliable {
  data: Uint8Array;
  /** Sequence numbers it spans (1, or the fragment count). */
  span: number;
  /** Incomplete fragment group. */
  assembly: Reassembly | undefined;
}

interface HeldUnreliable {
  reliableSeq: number;
  unreliableSeq: number;
  data: Uint8Array;
  flags: number;
}

interface Reassembly {
  reliableSeq: number;
  startSeq: number;
  count: number;
  total: number;
  fragmentSize: number;
  received: Uint32Array;
  remaining: number;
  buffer: Uint8Array;
  createdAt: number;
}

/**
 * True when `seq` falls in the receive window that starts at `current` (ENet's rule: the same
 * 4096-sequence window or one of the next six).
 *
 * @example
 * ```ts
 * import { inReceiveWindow } from "./_incoming.ts";
 * console.log(inReceiveWindow(5, 4), inReceiveWindow(3, 4), inReceiveWindow(2, 65000)); // true false true
 * ```
 */
export function inReceiveWindow(seq: number, current: number): boolean {
  let window = Math.floor(seq / EnetDefault.RELIABLE_WINDOW_SIZE);
  const currentWindow = Math.floor(current / EnetDefault.RELIABLE_WINDOW_SIZE);
  if (seq < current) window += EnetDefault.RELIABLE_WINDOWS;
  return window >= currentWindow && window < currentWindow + EnetDefault.FREE_RELIABLE_WINDOWS - 1;
}

/**
 * True when acknowledging `seq` is forbidden (it sits in the two windows just past the receive
 * window, where ENet refuses to acknowledge so the sender cannot wrap onto unacknowledged data).
 *
 * @example
 * ```ts
 * import { ackForbidden } from "./_incoming.ts";
 * console.log(ackForbidden(7 * 4096, 0), ackForbidden(1, 0)); // true false
 * ```
 */
export function ackForbidden(seq: number, current: number): boolean {
  // the common case, cheaply: less than six windows ahead can never reach the forbidden two
  if (((seq - current) & 0xffff) < 6 * EnetDefault.RELIABLE_WINDOW_SIZE) return false;
  let window = Math.floor(seq / EnetDefault.RELIABLE_WINDOW_SIZE);
  const currentWindow = Math.floor(current / EnetDefault.RELIABLE_WINDOW_SIZE);
  if (seq < current) window += EnetDefault.RELIABLE_WINDOWS;
  return window >= currentWindow + EnetDefault.FREE_RELIABLE_WINDOWS - 1 &&
    window <= currentWindow + EnetDefault.FREE_RELIABLE_WINDOWS;
}

/**
 * Checks a fragment's fields on their own: ENet's rules plus "every fragment carries data".
 *
 * @example
 * ```ts
 * import { DecodedCommand } from "./codec.ts";
 * import { fragmentFieldsValid } from "./_incoming.ts";
 * const c = Object.assign(new DecodedCommand(), {
 *   fragmentCount: 2, fragmentNumber: 1, totalLength: 10, fragmentOffset: 5, dataLength: 5,
 * });
 * console.log(fragmentFieldsValid(c, 100)); // true
 * ```
 */
export function fragmentFieldsValid(cmd: DecodedCommand, maxPacketSize: number): boolean {
  const { fragmentCount: count, fragmentNumber: num, totalLength: total } = cmd;
  return count <= EnetLimit.MAXIMUM_FRAGMENT_COUNT && num < count && total <= maxPacketSize &&
    cmd.fragmentOffset < total && cmd.dataLength <= total - cmd.fragmentOffset &&
    cmd.dataLength > 0 && count <= total;
}

/**
 * The fragment size a group uses, derived from its first arriving fragment, or 0 when that
 * fragment cannot belong to an evenly cut packet (senders cut every fragment but the last to the
 * same size).
 *
 * @example
 * ```ts
 * import { DecodedCommand } from "./codec.ts";
 * import { deriveFragmentSize } from "./_incoming.ts";
 * const last = Object.assign(new DecodedCommand(), {
 *   fragmentCount: 3, fragmentNumber: 2, totalLength: 2800, fragmentOffset: 2744, dataLength: 56,
 * });
 * console.log(deriveFragmentSize(last)); // 1372
 * ```
 */
export function deriveFragmentSize(cmd: DecodedCommand): number {
  const { fragmentCount: count, fragmentNumber: num, totalLength: total } = cmd;
  let size: number;
  if (num < count - 1) size = cmd.dataLength;
  else if (count === 1) size = total;
  else {
    if (cmd.fragmentOffset % num !== 0) return 0;
    size = cmd.fragmentOffset / num;
  }
  if (size <= 0 || (count - 1) * size >= total || count * size < total) return 0;
  return fragmentFits(cmd, size) ? size : 0;
}

function fragmentFits(cmd: DecodedCommand, size: number): boolean {
  const num = cmd.fragmentNumber;
  if (cmd.fragmentOffset !== num * size) return false;
  const expected = num === cmd.fragmentCount - 1 ? cmd.totalLength - num * size : size;
  return cmd.dataLength === expected;
}

function newAssembly(
  cmd: DecodedCommand,
  size: number,
  now: number,
  reliableSeq: number,
  startSeq: number,
): Reassembly {
  return {
    reliableSeq,
    startSeq,
    count: cmd.fragmentCount,
    total: cmd.totalLength,
    fragmentSize: size,
    received: new Uint32Array(Math.ceil(cmd.fragmentCount / 32)),
    remaining: cmd.fragmentCount,
    buffer: new Uint8Array(cmd.totalLength),
    createdAt: now,
  };
}

/** Copies a fragment into its group; false when the fragment does not fit the group. */
function addFragment(a: Reassembly, cmd: DecodedCommand, bytes: Uint8Array): boolean {
  if (cmd.totalLength !== a.total || cmd.fragmentCount !== a.count) return false;
  if (!fragmentFits(cmd, a.fragmentSize)) return false;
  const num = cmd.fragmentNumber;
  const bit = 1 << (num % 32);
  if ((a.received[num >>> 5] & bit) !== 0) return true;
  a.received[num >>> 5] |= bit;
  a.remaining--;
  a.buffer.set(bytes.subarray(cmd.dataOffset, cmd.dataOffset + cmd.dataLength), cmd.fragmentOffset);
  return true;
}

/**
 * One channel's receive state.
 *
 * @example
 * ```ts
 * import { IncomingChannel } from "./_incoming.ts";
 * const ch = new IncomingChannel(1);
 * console.log(ch.reliableSeq, ch.unreliableSeq); // 0 0
 * ```
 */
export class IncomingChannel {
  readonly id: number;
  /** Last reliable sequence number delivered. */
  reliableSeq = 0;
  /** Last unreliable sequence number delivered since that reliable one. */
  unreliableSeq = 0;
  #heldReliable = new Map<number, HeldReliable>();
  #heldUnreliable: HeldUnreliable[] = [];
  #unreliableAssemblies = new Map<number, Reassembly>();
  #heldBytes = 0;

  /** Receive state of channel `id`. */
  constructor(id: number) {
    this.id = id;
  }

  /** Bytes held out of order on this channel. */
  get heldBytes(): number {
    return this.#heldBytes;
  }

  /** SEND_RELIABLE. */
  reliable(cmd: DecodedCommand, bytes: Uint8Array, ctx: InboundContext): number {
    const seq = cmd.reliableSeq;
    const start = cmd.dataOffset, end = start + cmd.dataLength;
    if (seq === ((this.reliableSeq + 1) & 0xffff)) {
      // the common case first: the next one in order (unless an incomplete fragment group
      // claims that sequence number)
      if (this.#heldReliable.size !== 0 && this.#heldReliable.has(seq)) return OK;
      const data = ctx.copy(bytes, start, end);
      if (!ctx.deliver(this.id, data, EnetPacketFlag.RELIABLE, false)) return ERROR;
      if (this.#heldReliable.size === 0 && this.#heldUnreliable.length === 0) {
        this.reliableSeq = seq;
        this.unreliableSeq = 0;
        this.#pruneAssemblies(ctx);
      } else this.#advanceReliable(seq, 1, ctx);
      return OK;
    }
    if (!inReceiveWindow(seq, this.reliableSeq) || seq === this.reliableSeq) return OK;
    if (this.#heldReliable.has(seq)) return OK;
    const data = ctx.copy(bytes, start, end);
    const charge = data.length + ENTRY_OVERHEAD;
    if (!ctx.tryHold(charge)) return ERROR;
    this.#heldBytes += charge;
    this.#heldReliable.set(seq, { data, span: 1, assembly: undefined });
    return OK;
  }

  /** SEND_FRAGMENT. */
  reliableFragment(cmd: DecodedCommand, bytes: Uint8Array, ctx: InboundContext): number {
    const start = cmd.startSeq;
    if (!inReceiveWindow(start, this.reliableSeq) || start === this.reliableSeq) return OK;
    if (!fragmentFieldsValid(cmd, ctx.maxPacketSize)) return ERROR;
    if (cmd.reliableSeq !== ((start + cmd.fragmentNumber) & 0xffff)) return ERROR;
    const held = this.#heldReliable.get(start);
    if (held !== undefined) {
      if (held.assembly === undefined) {
        // already complete: a duplicate, unless it contradicts what we have
        return held.span === cmd.fragmentCount && held.data.length === cmd.totalLength ? OK : ERROR;
      }
      if (!addFragment(held.assembly, cmd, bytes)) return ERROR;
      if (held.assembly.remaining === 0) this.#completeReliableGroup(start, held, ctx);
      return OK;
    }
    const size = deriveFragmentSize(cmd);
    if (size === 0) return ERROR;
    const inOrder = start === ((this.reliableSeq + 1) & 0xffff);
    if (!ctx.tryReserve(cmd.totalLength, inOrder)) return ERROR;
    const assembly = newAssembly(cmd, size, ctx.now, start, start);
    const entry: HeldReliable = { data: assembly.buffer, span: cmd.fragmentCount, assembly };
    this.#heldReliable.set(start, entry);
    addFragment(assembly, cmd, bytes);
    if (assembly.remaining === 0) this.#completeReliableGroup(start, entry, ctx);
    return OK;
  }

  #completeReliableGroup(start: number, entry: HeldReliable, ctx: InboundContext): void {
    ctx.unreserve(entry.data.length);
    entry.assembly = undefined;
    if (start === ((this.reliableSeq + 1) & 0xffff)) {
      this.#heldReliable.delete(start);
      ctx.deliver(this.id, entry.data, EnetPacketFlag.RELIABLE, true);
      this.#advanceReliable(start, entry.span, ctx);
      return;
    }
    // complete but out of order: it now counts as held data (may briefly exceed the bound)
    const charge = entry.data.length + ENTRY_OVERHEAD;
    ctx.tryHold(charge, true);
    this.#heldBytes += charge;
  }

  /** Moves the reliable cursor past `seq` (spanning `span`) and delivers what became ready. */
  #advanceReliable(seq: number, span: number, ctx: InboundContext): void {
    this.reliableSeq = (seq + span - 1) & 0xffff;
    this.unreliableSeq = 0;
    this.#flushUnreliable(ctx);
    for (;;) {
      const next = (this.reliableSeq + 1) & 0xffff;
      const held = this.#heldReliable.get(next);
      if (held === undefined || held.assembly !== undefined) break;
      this.#heldReliable.delete(next);
      const charge = held.data.length + ENTRY_OVERHEAD;
      this.#heldBytes -= charge;
      ctx.release(charge);
      ctx.deliver(this.id, held.data, EnetPacketFlag.RELIABLE, true);
      this.reliableSeq = (next + held.span - 1) & 0xffff;
      this.unreliableSeq = 0;
      this.#flushUnreliable(ctx);
    }
  }

  /** After the reliable cursor moved: deliver held unreliable data it unblocked, drop stale. */
  #flushUnreliable(ctx: InboundContext): void {
    if (this.#heldUnreliable.length > 0) {
      const keep: HeldUnreliable[] = [];
      for (const h of this.#heldUnreliable) {
        if (h.reliableSeq === this.reliableSeq) {
          this.#releaseHeld(h.data.length, ctx);
          if (h.unreliableSeq > this.unreliableSeq) {
            this.unreliableSeq = h.unreliableSeq;
            ctx.deliver(this.id, h.data, h.flags, true);
          }
        } else if (inReceiveWindow(h.reliableSeq, this.reliableSeq)) {
          keep.push(h);
        } else {
          this.#releaseHeld(h.data.length, ctx);
        }
      }
      this.#heldUnreliable = keep;
    }
    this.#pruneAssemblies(ctx);
  }

  #releaseHeld(length: number, ctx: InboundContext): void {
    const charge = length + ENTRY_OVERHEAD;
    this.#heldBytes -= charge;
    ctx.release(charge);
  }

  /** SEND_UNRELIABLE. */
  unreliable(cmd: DecodedCommand, bytes: Uint8Array, ctx: InboundContext): number {
    const r = cmd.reliableSeq;
    if (!inReceiveWindow(r, this.reliableSeq)) return OK;
    if (r === this.reliableSeq && cmd.unreliableSeq <= this.unreliableSeq) return OK;
    const data = ctx.copy(bytes, cmd.dataOffset, cmd.dataOffset + cmd.dataLength);
    this.#acceptUnreliable(r, cmd.unreliableSeq, data, 0, ctx);
    return OK;
  }

  #acceptUnreliable(
    r: number,
    u: number,
    data: Uint8Array,
    flags: number,
    ctx: InboundContext,
  ): void {
    if (r === this.reliableSeq) {
      if (u <= this.unreliableSeq) return;
      if (!ctx.deliver(this.id, data, flags, false)) return ctx.dropped();
      this.unreliableSeq = u;
      this.#pruneAssemblies(ctx);
      return;
    }
    for (const h of this.#heldUnreliable) {
      if (h.reliableSeq === r && h.unreliableSeq === u) return;
    }
    if (!ctx.tryHold(data.length + ENTRY_OVERHEAD)) return ctx.dropped();
    this.#heldBytes += data.length + ENTRY_OVERHEAD;
    // keep (reliable, unreliable) order so a later flush delivers in sequence
    const rel = (r - this.reliableSeq) & 0xffff;
    let i = this.#heldUnreliable.length;
    while (i > 0) {
      const prev = this.#heldUnreliable[i - 1];
      const prevRel = (prev.reliableSeq - this.reliableSeq) & 0xffff;
      if (prevRel < rel || (prevRel === rel && prev.unreliableSeq < u)) break;
      i--;
    }
    this.#heldUnreliable.splice(i, 0, { reliableSeq: r, unreliableSeq: u, data, flags });
  }

  /** SEND_UNRELIABLE_FRAGMENT. */
  unreliableFragment(cmd: DecodedCommand, bytes: Uint8Array, ctx: InboundContext): number {
    const r = cmd.reliableSeq;
    const u = cmd.startSeq;
    if (!inReceiveWindow(r, this.reliableSeq)) return OK;
    if (r === this.reliableSeq && u <= this.unreliableSeq) return OK;
    if (!fragmentFieldsValid(cmd, ctx.maxPacketSize)) return ERROR;
    const key = r * 0x10000 + u;
    let assembly = this.#unreliableAssemblies.get(key);
    if (assembly === undefined) {
      const size = deriveFragmentSize(cmd);
      if (size === 0) return ERROR;
      if (!ctx.tryReserve(cmd.totalLength, false)) {
        ctx.dropped();
        return OK;
      }
      assembly = newAssembly(cmd, size, ctx.now, r, u);
      this.#unreliableAssemblies.set(key, assembly);
    }
    if (!addFragment(assembly, cmd, bytes)) return ERROR;
    if (assembly.remaining === 0) {
      this.#unreliableAssemblies.delete(key);
      ctx.unreserve(assembly.total);
      if (inReceiveWindow(r, this.reliableSeq)) {
        this.#acceptUnreliable(r, u, assembly.buffer, EnetPacketFlag.UNRELIABLE_FRAGMENT, ctx);
      }
    }
    return OK;
  }

  /** Drops unreliable reassemblies that can no longer be delivered in order, or expired ones. */
  #pruneAssemblies(ctx: InboundContext, expireBefore = -Infinity): void {
    if (this.#unreliableAssemblies.size === 0) return;
    for (const [key, a] of this.#unreliableAssemblies) {
      const stale = !inReceiveWindow(a.reliableSeq, this.reliableSeq) ||
        (a.reliableSeq === this.reliableSeq && a.startSeq <= this.unreliableSeq) ||
        a.createdAt <= expireBefore;
      if (stale) {
        this.#unreliableAssemblies.delete(key);
        ctx.unreserve(a.total);
      }
    }
  }

  /** Drops unreliable reassemblies started before `before`. */
  expire(before: number, ctx: InboundContext): void {
    this.#pruneAssemblies(ctx, before);
  }

  /** Earliest start time of an incomplete unreliable reassembly (Infinity if none). */
  get oldestAssembly(): number {
    if (this.#unreliableAssemblies.size === 0) return Infinity;
    let oldest = Infinity;
    for (const a of this.#unreliableAssemblies.values()) oldest = Math.min(oldest, a.createdAt);
    return oldest;
  }

  /** Forgets everything held, giving every budget back. */
  reset(ctx: InboundContext): void {
    for (const held of this.#heldReliable.values()) {
      if (held.assembly !== undefined) ctx.unreserve(held.data.length);
    }
    for (const a of this.#unreliableAssemblies.values()) ctx.unreserve(a.total);
    ctx.release(this.#heldBytes);
    this.#heldBytes = 0;
    this.#heldReliable.clear();
    this.#heldUnreliable = [];
    this.#unreliableAssemblies.clear();
  }
}

/**
 * The per-peer window of unsequenced groups: duplicates and groups more than 32 windows of 1024
 * ahead are dropped.
 *
 * @example
 * ```ts
 * import { UnsequencedWindow } from "./_incoming.ts";
 * const w = new UnsequencedWindow();
 * console.log(w.accept(1), w.accept(1)); // true false
 * ```
 */
export class UnsequencedWindow {
  /** First group of the current 1024-group window. */
  base = 0;
  #bits = new Uint32Array(EnetDefault.UNSEQUENCED_WINDOW_SIZE / 32);

  /** True when `group` is new (it may then be delivered; call `mark` once it is). */
  check(group: number): boolean {
    const index = group % EnetDefault.UNSEQUENCED_WINDOW_SIZE;
    let g = group;
    if (g < this.base) g += 0x10000;
    if (
      g >= this.base + EnetDefault.FREE_UNSEQUENCED_WINDOWS * EnetDefault.UNSEQUENCED_WINDOW_SIZE
    ) {
      return false;
    }
    g &= 0xffff;
    if (g - index !== this.base) return true;
    return (this.#bits[index >>> 5] & (1 << (index % 32))) === 0;
  }

  /** Records `group` as delivered (moving the window when it belongs to a later one). */
  mark(group: number): void {
    const index = group % EnetDefault.UNSEQUENCED_WINDOW_SIZE;
    const start = (group & 0xffff) - index;
    if (start !== this.base) {
      this.base = start;
      this.#bits.fill(0);
    }
    this.#bits[index >>> 5] |= 1 << (index % 32);
  }

  /** `check` then `mark`. */
  accept(group: number): boolean {
    if (!this.check(group)) return false;
    this.mark(group);
    return true;
  }

  /** Back to the initial state. */
  reset(): void {
    this.base = 0;
    this.#bits.fill(0);
  }
}

/**
 * True for the command numbers that carry channel data.
 *
 * @example
 * ```ts
 * import { isDataCommand } from "./_incoming.ts";
 * console.log(isDataCommand(9), isDataCommand(5)); // true false
 * ```
 */
export function isDataCommand(command: number): boolean {
  return command === EnetCommand.SEND_RELIABLE || command === EnetCommand.SEND_UNRELIABLE ||
    command === EnetCommand.SEND_FRAGMENT || command === EnetCommand.SEND_UNSEQUENCED ||
    command === EnetCommand.SEND_UNRELIABLE_FRAGMENT;
}
