/**
 * Pure session hosts on the Godot ENet wire, in memory on simulated time: a server configured
 * as `ENetMultiplayerPeer.createServer` configures its host (connect-rate limiter included),
 * clients, and a network that delivers datagrams after a one-way delay. For fixture replay
 * and flood tests that need no sockets.
 *
 * @module
 */
import { Host } from "../../protocol/host/host.ts";
import { godotEnetWire } from "../../protocol/godot/enet_wire.ts";
import { RateLimiter } from "../../protocol/security/rate_limiter.ts";
import { addressKey, type PeerAddress } from "../../protocol/address.ts";
import { SeededRandom } from "../../protocol/random.ts";
import type { HostEvent } from "../../protocol/host/types.ts";
import type { DatagramCompressor } from "../../protocol/compression/mod.ts";

const noNative = (): never => {
  throw new Error("native clients are not expected");
};

/**
 * Options of the pure hosts.
 *
 * @example
 * ```ts
 * import type { PureOptions } from "./_pure.ts";
 * const o: PureOptions = { maxClients: 2, seed: 7 };
 * console.log(o.seed);
 * ```
 */
export interface PureOptions {
  readonly maxClients?: number;
  readonly channelCount?: number;
  readonly compressor?: DatagramCompressor;
  readonly seed?: number;
  readonly clientId?: number;
}

/**
 * A server host as ENetMultiplayerPeer builds it (Godot wire, rate-limited connects).
 *
 * @example
 * ```ts
 * import { pureServer } from "./_pure.ts";
 * console.log(pureServer().isServer); // true
 * ```
 */
export function pureServer(o: PureOptions = {}): Host {
  const limiter = new RateLimiter();
  const channelCount = o.channelCount ?? 3;
  return new Host({
    role: "server",
    channelCount: channelCount - 1,
    maxClients: o.maxClients,
    random: new SeededRandom(o.seed ?? 1),
    createConnection: noNative,
    wires: {
      udp: godotEnetWire({
        channelCount,
        enet: { compressor: o.compressor },
        allowConnect: (address, now) => limiter.allow(addressKey(address), now),
      }),
    },
  });
}

/**
 * A client host on the Godot wire.
 *
 * @example
 * ```ts
 * import { pureClient } from "./_pure.ts";
 * console.log(pureClient({ clientId: 9 }).isServer); // false
 * ```
 */
export function pureClient(o: PureOptions = {}): Host {
  const channelCount = o.channelCount ?? 3;
  return new Host({
    role: "client",
    channelCount: channelCount - 1,
    random: new SeededRandom(o.seed ?? 2),
    createConnection: noNative,
    wires: {
      udp: godotEnetWire({
        channelCount,
        clientId: o.clientId,
        enet: { compressor: o.compressor },
      }),
    },
  });
}

/**
 * Every event a host has pending.
 *
 * @example
 * ```ts
 * import { pureServer, takeEvents } from "./_pure.ts";
 * console.log(takeEvents(pureServer())); // []
 * ```
 */
export function takeEvents(host: Host): HostEvent[] {
  const out: HostEvent[] = [];
  for (let e = host.pollEvent(); e; e = host.pollEvent()) out.push(e);
  return out;
}

interface InFlight {
  readonly at: number;
  readonly to: Host;
  readonly from: PeerAddress;
  readonly bytes: Uint8Array;
}

/**
 * Hosts at addresses, datagrams delivered after `delayMs`; datagrams to unknown addresses (a
 * flood's fabricated sources) are counted and dropped.
 *
 * @example
 * ```ts
 * import { PureNet, pureClient, pureServer } from "./_pure.ts";
 * const net = new PureNet(5);
 * const server = pureServer(), client = pureClient();
 * const at = { hostname: "10.0.0.1", port: 7000 };
 * net.add(server, at);
 * net.add(client, { hostname: "10.0.0.2", port: 5000 });
 * client.connect(at, 0);
 * for (let t = 0; t < 100; t++) net.step(t);
 * console.log(client.status); // 2 (connected)
 * ```
 */
export class PureNet {
  readonly #hosts = new Map<string, { host: Host; address: PeerAddress }>();
  #flight: InFlight[] = [];
  /** Datagrams sent to addresses no host has. */
  lost = 0;
  constructor(readonly delayMs: number) {}

  /** Places `host` at `address`. */
  add(host: Host, address: PeerAddress): void {
    this.#hosts.set(addressKey(address), { host, address });
  }

  /** Delivers a datagram now (as if it arrived from `from`). */
  inject(to: Host, from: PeerAddress, bytes: Uint8Array, now: number): void {
    to.handleDatagram(bytes, from, now);
  }

  /** Runs timers, delivers what is due and moves every host's output into flight, at `now`. */
  step(now: number): void {
    const due = this.#flight.filter((f) => f.at <= now);
    this.#flight = this.#flight.filter((f) => f.at > now);
    for (const f of due) f.to.handleDatagram(f.bytes, f.from, now);
    for (const { host, address } of this.#hosts.values()) {
      const t = host.pollTimeout();
      if (t !== undefined && t <= now) host.handleTimeout(now);
      for (let tx = host.pollTransmit(now); tx; tx = host.pollTransmit(now)) {
        const dest = this.#hosts.get(addressKey(tx.to));
        if (!dest) {
          this.lost++;
          continue;
        }
        this.#flight.push({
          at: now + this.delayMs,
          to: dest.host,
          from: address,
          bytes: tx.bytes.slice(),
        });
      }
    }
  }
}
