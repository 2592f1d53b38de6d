/**
 * A Deno `ENetMultiplayerPeer` kept alive in the background for tests that also drive real
 * Godot puppets: a pump loop polls it, records every event and packet, and wakes waiters. Waiting
 * is always "until a condition holds, with a deadline"; nothing sleeps.
 *
 * @module
 */
import { ConnectionStatus, ENetMultiplayerPeer, type TransferMode } from "../../mod.ts";

/**
 * An event the peer dispatched, with its detail and when it came (performance.now()).
 *
 * @example
 * ```ts
 * import type { LiveEvent } from "./_live.ts";
 * const e: LiveEvent = { type: "peer_connected", id: 5, at: 0 };
 * console.log(e.id);
 * ```
 */
export interface LiveEvent {
  readonly type: string;
  readonly id?: number;
  readonly reason?: number;
  readonly message?: string;
  readonly at: number;
}

/**
 * A packet the peer received (drained right after the poll that made it available).
 *
 * @example
 * ```ts
 * import type { LivePacket } from "./_live.ts";
 * const p: LivePacket = { from: 1, channel: 1, mode: 2, data: new Uint8Array(1), at: 0 };
 * console.log(p.channel);
 * ```
 */
export interface LivePacket {
  readonly from: number;
  /** ENet channel (`getPacketChannel()`). */
  readonly channel: number;
  readonly mode: TransferMode;
  readonly data: Uint8Array;
  readonly at: number;
}

const EVENT_NAMES = [
  "connection_succeeded",
  "connection_failed",
  "peer_connected",
  "peer_disconnected",
  "server_disconnected",
] as const;

interface Waiter {
  check(): boolean;
}

/** Pacing of the pump while the peer is inactive (poll() then returns at once). */
const IDLE_MS = 10;

/**
 * An ENet peer pumped in the background. Create it with {@link LivePeer.server} or
 * {@link LivePeer.client}; {@link LivePeer.stop} ends the pump and closes the peer.
 *
 * @example
 * ```ts
 * import { LivePeer } from "./_live.ts";
 * const server = await LivePeer.server(0);
 * const client = await LivePeer.client(server.peer.localPort);
 * await client.waitEvent("connection_succeeded");
 * await client.stop();
 * await server.stop();
 * ```
 */
export class LivePeer {
  readonly peer: ENetMultiplayerPeer;
  readonly label: string;
  readonly events: LiveEvent[] = [];
  readonly packets: LivePacket[] = [];
  /** When false, packets stay in the peer for the test to read (getPacket / getVar). */
  drain = true;
  #running = false;
  #loop: Promise<void> = Promise.resolve();
  readonly #waiters = new Set<Waiter>();

  constructor(label: string, peer = new ENetMultiplayerPeer()) {
    this.label = label;
    this.peer = peer;
    for (const name of EVENT_NAMES) {
      peer.addEventListener(name, (e: Event) => {
        const detail = (e as CustomEvent).detail ?? {};
        this.events.push({ type: name, ...detail, at: performance.now() });
      });
    }
  }

  /** A server on 127.0.0.1:`port` (0 = any), configured by `setup` before creating. */
  static async server(
    port = 0,
    options: Parameters<ENetMultiplayerPeer["createServer"]>[1] = {},
    setup?: (peer: ENetMultiplayerPeer) => void,
    label = "deno-server",
  ): Promise<LivePeer> {
    const live = new LivePeer(label);
    setup?.(live.peer);
    await live.peer.createServer(port, { bindAddress: "127.0.0.1", ...options });
    live.start();
    return live;
  }

  /** A client of 127.0.0.1:`port`, configured by `setup` before creating. */
  static async client(
    port: number,
    options: Parameters<ENetMultiplayerPeer["createClient"]>[2] = {},
    setup?: (peer: ENetMultiplayerPeer) => void,
    label = "deno-client",
    address = "127.0.0.1",
  ): Promise<LivePeer> {
    const live = new LivePeer(label);
    setup?.(live.peer);
    await live.peer.createClient(address, port, options);
    live.start();
    return live;
  }

  /** Own id (1 on servers; 0 on clients before connecting). */
  get id(): number {
    return this.peer.getUniqueId();
  }

  /** Starts the pump (once). */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = this.#pump();
  }

  async #pump(): Promise<void> {
    while (this.#running) {
      if (this.peer.getConnectionStatus() === ConnectionStatus.DISCONNECTED) {
        await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
      } else {
        await this.peer.poll(IDLE_MS);
      }
      if (this.drain) this.#drainPackets();
      this.#check();
    }
  }

  #drainPackets(): void {
    const peer = this.peer;
    while (peer.getAvailablePacketCount() > 0) {
      const from = peer.getPacketPeer();
      const channel = peer.getPacketChannel();
      const mode = peer.getPacketMode();
      const data = peer.getPacket()!;
      this.packets.push({ from, channel, mode, data, at: performance.now() });
    }
  }

  #check(): void {
    for (const w of [...this.#waiters]) if (w.check()) this.#waiters.delete(w);
  }

  /** Resolves once `done()` holds (checked after every poll); rejects after `timeoutMs`. */
  until(done: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        check: () => {
          if (!done()) return false;
          clearTimeout(timer);
          resolve();
          return true;
        },
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(
          new Error(
            `${this.label}: waiting for ${what}: timed out after ${timeoutMs} ms\n` +
              `events: ${JSON.stringify(this.events.slice(-20))}`,
          ),
        );
      }, timeoutMs);
      this.#waiters.add(waiter);
    });
  }

  /** Resolves with the first event (index >= `since`) of `type` (and `id`, if given). */
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

  /** Resolves with the first packet (index >= `since`) `match` accepts. */
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

  /** How many events of `type` (and `id`) were recorded since `since`. */
  count(type: string, id?: number, since = 0): number {
    return this.events.slice(since).filter((e) =>
      e.type === type && (id === undefined || e.id === id)
    ).length;
  }

  /** Ends the pump and closes the peer. Safe to call twice. */
  async stop(): Promise<void> {
    this.#running = false;
    await this.#loop;
    await this.peer.close();
  }
}

/**
 * Stops every live peer (in parallel), even if some fail.
 *
 * @example
 * ```ts
 * import { stopAll } from "./_live.ts";
 * await stopAll([]);
 * ```
 */
export async function stopAll(peers: (LivePeer | undefined)[]): Promise<void> {
  await Promise.allSettled(peers.map((p) => p?.stop()));
}
