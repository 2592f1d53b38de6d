/**
 * Any Deno multiplayer peer kept alive in the background for tests that also drive real Godot
 * puppets (which run on their own): a pump polls it, records every event and packet, and wakes
 * waiters. Waiting is always "until a condition holds, with a deadline"; nothing sleeps.
 *
 * @module
 */
import { ConnectionStatus, type TransferMode } from "../../mod.ts";
import type { MultiplayerPeerBase } from "../../transport/peers/multiplayer_peer.ts";

/** An event the peer dispatched, with its detail and when it came. */
export interface LiveEvent {
  readonly type: string;
  readonly id?: number;
  readonly reason?: number;
  readonly message?: string;
  readonly at: number;
}

/** A packet the peer received (taken right after the poll that made it available). */
export interface LivePacket {
  readonly from: number;
  /** `getPacketChannel()` (the ENet channel on the ENet wire). */
  readonly channel: number;
  readonly mode: TransferMode;
  readonly data: Uint8Array;
  /** `getVar()`'s reading, when `vars` is on. */
  readonly value?: unknown;
  /** When it was taken (performance.now()). */
  readonly at: number;
}

const EVENTS = [
  "connection_succeeded",
  "connection_failed",
  "peer_connected",
  "peer_disconnected",
  "server_disconnected",
] as const;

/** A peer pumped in the background; {@link LivePeer.stop} ends the pump and closes it. */
export class LivePeer<P extends MultiplayerPeerBase = MultiplayerPeerBase> {
  readonly peer: P;
  readonly label: string;
  readonly events: LiveEvent[] = [];
  readonly packets: LivePacket[] = [];
  /** Read packets with `getVar()` (their bytes are then not kept). */
  vars = false;
  /** When false, packets stay in the peer for the test to read (getPacket / getVar). */
  drain = true;
  #running = false;
  #loop: Promise<void> = Promise.resolve();
  readonly #waiters = new Set<() => boolean>();

  constructor(label: string, peer: P) {
    this.label = label;
    this.peer = peer;
    for (const name of EVENTS) {
      peer.addEventListener(name, (e: Event) => {
        const detail = (e as CustomEvent).detail ?? {};
        this.events.push({ type: name, ...detail, at: performance.now() });
      });
    }
  }

  /** Own id. */
  get id(): number {
    return this.peer.getUniqueId();
  }

  /** Starts the pump (once); returns this. */
  start(): this {
    if (!this.#running) {
      this.#running = true;
      this.#loop = this.#pump();
    }
    return this;
  }

  async #pump(): Promise<void> {
    while (this.#running) {
      if (this.peer.getConnectionStatus() === ConnectionStatus.DISCONNECTED) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      } else await this.peer.poll(10);
      const peer = this.peer;
      while (this.drain && peer.getAvailablePacketCount() > 0) {
        const from = peer.getPacketPeer(), channel = peer.getPacketChannel();
        const mode = peer.getPacketMode(), at = performance.now();
        if (this.vars) {
          const value = peer.getVar();
          this.packets.push({ from, channel, mode, data: new Uint8Array(0), value, at });
        } else this.packets.push({ from, channel, mode, data: peer.getPacket()!, at });
      }
      for (const w of [...this.#waiters]) if (w()) this.#waiters.delete(w);
    }
  }

  /** Resolves once `done()` holds (checked after every poll); rejects after `timeoutMs`. */
  until(done: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!done()) return false;
        clearTimeout(timer);
        resolve();
        return true;
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(
          new Error(
            `${this.label}: waiting for ${what}: timed out after ${timeoutMs} ms\n` +
              `events: ${JSON.stringify(this.events.slice(-20))}`,
          ),
        );
      }, timeoutMs);
      this.#waiters.add(check);
    });
  }

  /** How many events of `type` (and `id`) were recorded since index `since`. */
  count(type: string, id?: number, since = 0): number {
    return this.events.slice(since).filter((e) =>
      e.type === type && (id === undefined || e.id === id)
    ).length;
  }

  /** The first event of `type` (and `id`), once it came. */
  event(type: string, id?: number, timeoutMs = 5000): Promise<LiveEvent> {
    return this.waitEvent(type, id, 0, timeoutMs);
  }

  /** The first event (index >= `since`) of `type` (and `id`), once it came. */
  async waitEvent(type: string, id?: number, since = 0, timeoutMs = 5000): Promise<LiveEvent> {
    const find = () =>
      this.events.slice(since).find((e) => e.type === type && (id === undefined || e.id === id));
    await this.until(
      () => find() !== undefined,
      `${type}${id === undefined ? "" : ` ${id}`}`,
      timeoutMs,
    );
    return find()!;
  }

  /** The first packet (index >= `since`) `match` accepts, once it came. */
  async waitPacket(
    match: (p: LivePacket) => boolean,
    what: string,
    since = 0,
    timeoutMs = 5000,
  ): Promise<LivePacket> {
    let next = since;
    let found: LivePacket | undefined;
    await this.until(
      () => {
        for (; next < this.packets.length && !found; next++) {
          if (match(this.packets[next])) found = this.packets[next];
        }
        return found !== undefined;
      },
      what,
      timeoutMs,
    );
    return found!;
  }

  /** Ends the pump and closes the peer. Safe to call twice. */
  async stop(): Promise<void> {
    this.#running = false;
    await this.#loop;
    await this.peer.close();
  }
}

/** Stops every live peer, even if some fail. */
export async function stopLive(peers: (LivePeer | undefined)[]): Promise<void> {
  await Promise.allSettled(peers.map((p) => p?.stop()));
}
