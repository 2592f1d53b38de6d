/**
 * Starting a `DatagramMultiplayerPeer` server or client on an in-memory carrier, plain through
 * the public API or encrypted as the UDP peer's `encryption: true` sets it up (key exchange in
 * the handshake, ChaCha20-Poly1305 per datagram). Shared by the in-process cost tools.
 *
 * @module
 */
import type {
  DatagramHandler,
  DatagramMultiplayerPeer,
  DatagramTransport,
  PeerAddress,
} from "../../mod.ts";
import type { TimerQueue } from "../../transport/time/timer_queue.ts";
import { Host } from "../../protocol/host/host.ts";
import { SeededRandom } from "../../protocol/random.ts";
import { startPeer } from "../../transport/peers/lifecycle.ts";
import { connectionFactory } from "../../transport/peers/connection_tuning.ts";
import { clientSecurity, serverSecurity } from "../../transport/secure/options.ts";
import type { ServerIdentity } from "../../transport/secure/channel.ts";

/**
 * An in-memory carrier: what the host sends is collected in `out`; the harness hands datagrams
 * to `handler` as a socket's receive loop would.
 *
 * @example
 * ```ts
 * import { MemoryCarrier } from "./memory_peers.ts";
 * const c = new MemoryCarrier({ hostname: "server", port: 1, transport: "mem" });
 * c.send(new Uint8Array(3));
 * console.log(c.out.length); // 1
 * ```
 */
export class MemoryCarrier implements DatagramTransport {
  /** As a UDP carrier's. */
  readonly maxDatagramSize = 1200;
  /** Datagrams may be lost: the reliability layer runs. */
  readonly reliable = false;
  /** This end's address. */
  readonly localAddress: PeerAddress;
  /** The host's receive handler, once it listens. */
  handler?: DatagramHandler;
  /** Datagrams sent and not yet taken by the harness. */
  out: Uint8Array[] = [];
  /** A carrier at `localAddress`. */
  constructor(localAddress: PeerAddress) {
    this.localAddress = localAddress;
  }
  /** Keeps the handler. */
  listen(handler: DatagramHandler): void {
    this.handler = handler;
  }
  /** Collects the datagram. */
  send(bytes: Uint8Array): boolean {
    this.out.push(bytes);
    return true;
  }
  /** Nothing to release. */
  close(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * Starts `peer` as the server on `carrier`: plain, or encrypted with `identity`.
 *
 * @example
 * ```ts ignore
 * import { startMemoryServer } from "./memory_peers.ts";
 * await startMemoryServer(peer, carrier, timers, 32, undefined);
 * ```
 */
export async function startMemoryServer(
  peer: DatagramMultiplayerPeer,
  carrier: DatagramTransport,
  clock: TimerQueue,
  maxClients: number,
  identity: ServerIdentity | undefined,
): Promise<void> {
  if (!identity) {
    peer.createServer(carrier, { maxClients, clock, seed: 1 });
    return;
  }
  await startPeer(peer, (base) => {
    const security = serverSecurity({ encryption: true, serverIdentity: identity });
    const host = new Host({
      ...base,
      createConnection: connectionFactory({}),
      ...security.host,
      role: "server",
      maxClients,
      random: new SeededRandom(1),
    });
    return Promise.resolve({ host, transport: carrier, clock, layer: security.layer });
  });
}

/**
 * Connects `peer` over `carrier` to `server`, encrypted (pinning `identity`) when given.
 *
 * @example
 * ```ts ignore
 * import { startMemoryClient } from "./memory_peers.ts";
 * await startMemoryClient(peer, carrier, serverAddress, timers, 2, undefined);
 * ```
 */
export async function startMemoryClient(
  peer: DatagramMultiplayerPeer,
  carrier: DatagramTransport,
  server: PeerAddress,
  clock: TimerQueue,
  seed: number,
  identity: ServerIdentity | undefined,
): Promise<void> {
  if (!identity) {
    peer.createClient(carrier, server, { clock, seed });
    return;
  }
  await startPeer(peer, async (base) => {
    const security = await clientSecurity({
      encryption: true,
      serverPublicKey: identity.publicKey,
    });
    const host = new Host({
      ...base,
      createConnection: connectionFactory({}),
      ...security.host,
      role: "client",
      random: new SeededRandom(seed),
    });
    return { host, transport: carrier, clock, layer: security.layer, connectTo: server };
  });
}
