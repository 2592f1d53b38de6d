/**
 * The host's peer table: lookups by id and session, the transmit work list, and each
 * connection's next deadline cached in a min-heap. Only connections touched since the last query
 * recompute their deadline, so the host's next deadline costs O(touched · log n), not O(peers).
 *
 * @module
 */
import type { ConnectionApi } from "../connection/types.ts";
import type { NativeWire } from "./_native_wire.ts";
import type { PeerWire } from "./peer_wire.ts";
import { DeadlineHeap, type HeapItem } from "../deadline_heap.ts";
import type { FlowPeer } from "./_flow.ts";
import type { ReassemblyBudget } from "../connection/fragmenter.ts";
import type { PeerAddress } from "../address.ts";

/**
 * One remote the host talks to (the server, on a client). Internal to the protocol layer.
 *
 * @example
 * ```ts
 * import type { PeerEntry } from "./_peer_table.ts";
 * const isClosing = (e: PeerEntry) => e.closingAt > 0;
 * ```
 */
export interface PeerEntry extends HeapItem, FlowPeer {
  /** Godot peer id. */
  readonly id: number;
  /** Where its datagrams come from and go to. */
  readonly address: PeerAddress;
  /** Session id carried by its native DATA datagrams (routing key; -1 on other wires). */
  readonly sessionId: number;
  /** Its reliability layer, as the host schedules it (timers, transmit, stats). */
  readonly conn: ConnectionApi;
  /** How the session frames packets and announcements for it. */
  readonly wire: PeerWire;
  /** The same wire when it is the native one (system messages, flow feedback). */
  readonly native?: NativeWire;
  /** Registered in its table (set and cleared by the table: a flag, not a map lookup). */
  live?: boolean;
  /** Pending in the transmit work list. */
  dirty: boolean;
  /** Its cached deadline must be recomputed (pending in the stale list). */
  stale: boolean;
  /** Graceful disconnect in progress: drop at this time (or once drained). */
  closingAt: number;
  /**
   * 0 once the client proved it holds its session (servers: its first datagram of the session;
   * encrypted: the first that opened), else the time it is dropped silently. Until then it is
   * not announced, relayed to or targeted.
   */
  unconfirmedUntil: number;
  /** Encrypted session: confirmed by the secure layer only (a datagram in clear proves nothing). */
  readonly keyed: boolean;
  /** This peer's reassembly allowance (chained to the host-wide total). */
  readonly budget: ReassemblyBudget;
  /** Packets from this peer waiting in the inbound queue. */
  inboundPackets: number;
  /** Bytes of those packets. */
  inboundBytes: number;
}

/**
 * Peers by id and session, plus the work lists. Every change to a connection's state must be
 * followed by {@link PeerTable.markDirty} (or {@link PeerTable.markStale}) so its deadline is
 * recomputed.
 *
 * @example
 * ```ts
 * import { PeerTable, type PeerEntry } from "./_peer_table.ts";
 * const table = new PeerTable();
 * const conn = { pollTimeout: () => 500, queuedBytes: 0 } as unknown as PeerEntry["conn"];
 * const entry = { id: 2, sessionId: 9, conn, closingAt: 0, unconfirmedUntil: 0 } as PeerEntry;
 * table.add(entry);
 * console.log(table.nextDeadline()); // 500
 * ```
 */
export class PeerTable {
  /** Live peers by id. */
  readonly byId: Map<number, PeerEntry> = new Map();
  /** Live peers by session id. */
  readonly bySession: Map<number, PeerEntry> = new Map();
  readonly #dirty: PeerEntry[] = [];
  readonly #stale: PeerEntry[] = [];
  readonly #heap = new DeadlineHeap<PeerEntry>();
  readonly #due: PeerEntry[] = [];

  /** Number of live peers. */
  get size(): number {
    return this.byId.size;
  }

  /** Registers a new entry (its work flags are reset) and schedules its first transmit. */
  add(entry: PeerEntry): void {
    entry.dirty = false;
    entry.stale = false;
    entry.deadline = Infinity;
    entry.heapIndex = -1;
    const previous = this.byId.get(entry.id);
    if (previous !== undefined) previous.live = false;
    entry.live = true;
    this.byId.set(entry.id, entry);
    if (entry.sessionId >= 0) this.bySession.set(entry.sessionId, entry);
    this.markDirty(entry);
  }

  /** True when `entry` is the live entry of its id. */
  has(entry: PeerEntry): boolean {
    return entry.live === true;
  }

  /** Unregisters `entry`; it stays in the work lists until they skip it. */
  delete(entry: PeerEntry): void {
    entry.live = false;
    if (this.byId.get(entry.id) === entry) this.byId.delete(entry.id);
    if (this.bySession.get(entry.sessionId) === entry) this.bySession.delete(entry.sessionId);
    this.#heap.remove(entry);
  }

  /** Forgets every peer. */
  clear(): void {
    for (const e of this.byId.values()) e.live = false;
    this.byId.clear();
    this.bySession.clear();
    for (const e of this.#dirty) e.dirty = false;
    for (const e of this.#stale) e.stale = false;
    this.#dirty.length = 0;
    this.#stale.length = 0;
    this.#heap.clear();
  }

  /** The connection may have something to send and its deadline may have moved. */
  markDirty(entry: PeerEntry): void {
    if (!entry.dirty) {
      entry.dirty = true;
      this.#dirty.push(entry);
    }
    this.markStale(entry);
  }

  /** Its deadline may have moved (e.g. a timeout setting or `closingAt` changed). */
  markStale(entry: PeerEntry): void {
    if (entry.stale) return;
    entry.stale = true;
    this.#stale.push(entry);
  }

  /** Marks every live peer stale (a host-wide setting changed every connection). */
  markAllStale(): void {
    for (const entry of this.byId.values()) this.markStale(entry);
  }

  /**
   * Next datagram of a dirty connection at `now`, or undefined once every one is drained. `out`
   * receives the entry it belongs to. Entries whose carrier link is `blocked` are skipped (they
   * are marked dirty again when it drains).
   */
  nextTransmit(
    now: number,
    out: { entry?: PeerEntry },
    blocked?: (address: PeerAddress) => boolean,
  ): Uint8Array | undefined {
    const dirty = this.#dirty;
    while (dirty.length > 0) {
      const entry = dirty[dirty.length - 1];
      // a link whose carrier is backed up keeps its data queued here until it drains
      const bytes = this.has(entry) && !blocked?.(entry.address)
        ? entry.conn.pollTransmit(now)
        : undefined;
      if (bytes) {
        out.entry = entry;
        return bytes;
      }
      entry.dirty = false;
      dirty.pop();
      this.markStale(entry); // sending armed its retransmission / pacing timers
    }
    return undefined;
  }

  /** Earliest deadline over every connection (Infinity when none). */
  nextDeadline(): number {
    this.#refresh();
    return this.#heap.peek()?.deadline ?? Infinity;
  }

  /**
   * Entries whose deadline is at or before `now`, taken out of the heap (each is marked stale,
   * so it returns at the next query). The array is reused: consume it before calling again.
   */
  takeDue(now: number): readonly PeerEntry[] {
    this.#refresh();
    const due = this.#due, heap = this.#heap;
    due.length = 0;
    for (let top = heap.peek(); top !== undefined && top.deadline <= now; top = heap.peek()) {
      heap.remove(top);
      top.deadline = Infinity;
      due.push(top);
      this.markStale(top);
    }
    return due;
  }

  // Recomputes the deadlines of touched connections. A closing peer whose queue drained is due
  // at once (it is dropped by the next `handleTimeout`).
  #refresh(): void {
    const stale = this.#stale, heap = this.#heap;
    while (stale.length > 0) {
      const entry = stale.pop()!;
      entry.stale = false;
      if (!this.has(entry)) continue;
      let t = entry.conn.pollTimeout();
      if (entry.closingAt > 0) {
        t = Math.min(t, entry.conn.queuedBytes === 0 ? 0 : entry.closingAt);
      }
      if (entry.unconfirmedUntil > 0) t = Math.min(t, entry.unconfirmedUntil);
      heap.set(entry, t);
    }
  }
}
