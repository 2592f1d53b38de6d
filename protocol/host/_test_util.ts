/**
 * Test helpers for the host: a minimal in-order, loss-free fake connection and an in-memory
 * network that pumps datagrams between hosts on simulated time. Not part of the public API.
 *
 * @module
 */
import type { ConnectionApi, ConnectionConfig, MessageSink } from "../connection/types.ts";
import type { TransferMode } from "../constants.ts";
import { Host } from "./host.ts";
import type { HostOptions } from "./options.ts";
import type { HostEvent, InboundPacket } from "./types.ts";
import { SeededRandom } from "../random.ts";
import { decodeValue, encodeValue } from "../wire/value_codec.ts";
import { FRAME_MAGIC } from "../wire/frame.ts";
import type { PeerAddress } from "../address.ts";

/**
 * Fake {@link ConnectionApi}: one message per datagram `[magic, 0, session, wire, mode, peer,
 * payload]`, no acks. Times out after `timeoutMs` of silence.
 *
 * @example
 * ```ts
 * import { FakeConnection } from "./_test_util.ts";
 * const c = new FakeConnection({ sessionId: 1, timeoutMs: 100, now: 0 } as never);
 * console.log(c.timedOut); // false
 * ```
 */
export class FakeConnection implements ConnectionApi {
  onMessage: MessageSink = () => true;
  readonly #config: ConnectionConfig;
  readonly #out: Uint8Array[] = [];
  #lastHeard: number;
  #lastSent: number;
  timedOut = false;
  queuedBytes = 0;
  rttMs = 1;
  /** Messages the sink refused. */
  refused = 0;

  /** Creates it from the host's config. */
  constructor(config: ConnectionConfig) {
    this.#config = config;
    this.#lastHeard = config.now;
    this.#lastSent = config.now;
  }
  send(
    wire: number,
    mode: TransferMode,
    payload: Uint8Array,
    peer: number | undefined,
    now: number,
  ): void {
    this.#lastSent = now;
    this.#out.push(
      encodeValue([FRAME_MAGIC, 0, this.#config.sessionId, wire, mode, peer ?? null, payload]),
    );
  }
  handleDatagram(bytes: Uint8Array, now: number): boolean {
    const r = decodeValue(bytes);
    if (!r.ok || !Array.isArray(r.value)) return false;
    this.#lastHeard = now;
    const [, , , wire, mode, peer, payload] = r.value;
    if (wire === -1) return true; // keepalive
    if (!this.onMessage(wire, mode, peer ?? undefined, payload)) this.refused++;
    return true;
  }
  pollTransmit(): Uint8Array | undefined {
    return this.#out.shift();
  }
  pollTimeout(): number {
    return Math.min(
      this.#lastHeard + this.#config.timeoutMs,
      this.#lastSent + this.#config.keepaliveMs,
    );
  }
  handleTimeout(now: number): void {
    if (now >= this.#lastHeard + this.#config.timeoutMs) this.timedOut = true;
    else if (now >= this.#lastSent + this.#config.keepaliveMs) {
      this.send(-1, 0, new Uint8Array(0), undefined, now);
    }
  }
}

/** One endpoint of a {@link FakeNet}. */
export interface Node {
  readonly host: Host;
  readonly address: PeerAddress;
  readonly events: HostEvent[];
  readonly packets: InboundPacket[];
  /** When false the node neither sends nor receives (a killed process). */
  alive: boolean;
}

/**
 * In-memory network of hosts on simulated time.
 *
 * @example
 * ```ts
 * import { FakeNet } from "./_test_util.ts";
 * const net = new FakeNet();
 * const server = net.add({ role: "server" }, 1000);
 * console.log(server.host.uniqueId); // 1
 * ```
 */
export class FakeNet {
  now = 0;
  readonly nodes: Node[] = [];
  /** Every datagram sent, for size checks. */
  readonly log: { from: number; to: number; bytes: Uint8Array }[] = [];
  /** Return false to drop a datagram. */
  filter: (from: Node, to: PeerAddress, bytes: Uint8Array) => boolean = () => true;
  #seed = 1;
  readonly #byPort = new Map<number, Node>();

  /** Adds a host at 127.0.0.1:`port` with a fake connection factory and a seeded random. */
  add(options: Omit<HostOptions, "createConnection">, port: number): Node {
    const host = new Host({
      random: new SeededRandom(this.#seed++),
      createConnection: (c) => new FakeConnection(c),
      ...options,
    });
    const node: Node = {
      host,
      address: { hostname: "127.0.0.1", port },
      events: [],
      packets: [],
      alive: true,
    };
    this.nodes.push(node);
    this.#byPort.set(port, node);
    return node;
  }

  /** Delivers datagrams until quiet (bounded), draining events and packets. */
  pump(): void {
    for (let round = 0; round < 1000; round++) {
      let moved = false;
      for (const node of this.nodes) {
        if (!node.alive) continue;
        for (let tx = node.host.pollTransmit(this.now); tx; tx = node.host.pollTransmit(this.now)) {
          moved = true;
          const bytes = tx.bytes.slice();
          this.log.push({ from: node.address.port, to: tx.to.port, bytes });
          const to = this.#byPort.get(tx.to.port);
          if (!to?.alive || !this.filter(node, tx.to, bytes)) continue;
          to.host.handleDatagram(bytes, node.address, this.now);
        }
        for (let e = node.host.pollEvent(); e; e = node.host.pollEvent()) node.events.push(e);
        for (let p = node.host.pollPacket(); p; p = node.host.pollPacket()) node.packets.push(p);
      }
      if (!moved) return;
    }
    throw new Error("network did not settle");
  }

  /** Advances time in `stepMs` steps, running due timers and pumping. */
  advance(ms: number, stepMs = 50): void {
    const end = this.now + ms;
    while (this.now < end) {
      this.now = Math.min(end, this.now + stepMs);
      for (const node of this.nodes) {
        const t = node.host.pollTimeout();
        if (node.alive && t !== undefined && t <= this.now) node.host.handleTimeout(this.now);
      }
      this.pump();
    }
  }
}
