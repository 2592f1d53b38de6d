/**
 * Starting a `DatagramMultiplayerPeer` server or client on an in-memory carrier, plain through
 * the public API or encrypted as the UDP peer's `encryption: true` sets it up (key exchange in
 * the handshake, ChaCha20-Poly1305 per datagram). Shared by the in-process cost tools.
 *
 * @module
 */
import {
  type DatagramHandler,
  DatagramMultiplayerPeer,
  type DatagramTransport,
  type PeerAddress,
} from "../../mod.ts";
import { TimerQueue } from "../../transport/time/timer_queue.ts";
import { VirtualClock } from "../../transport/time/virtual_clock.ts";
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

/**
 * A server and a client peer on in-memory carriers, each on its own virtual clock.
 *
 * @example
 * ```ts ignore
 * import { connectMemoryPair, startMemoryPair } from "./memory_peers.ts";
 * const pair = await startMemoryPair(4, undefined);
 * await connectMemoryPair(pair, (from, to) => {}, false);
 * ```
 */
export interface MemoryPair {
  /** The server peer. */
  readonly server: DatagramMultiplayerPeer;
  /** The client peer. */
  readonly client: DatagramMultiplayerPeer;
  /** The server's carrier. */
  readonly serverCarrier: MemoryCarrier;
  /** The client's carrier. */
  readonly clientCarrier: MemoryCarrier;
  /** The server's time. */
  readonly serverClock: VirtualClock;
  /** The client's time. */
  readonly clientClock: VirtualClock;
}

/**
 * Starts a server (`maxClients`) and a client aimed at it, plain or encrypted with `identity`;
 * nothing moves between them until the caller delivers their datagrams.
 *
 * @example
 * ```ts ignore
 * import { startMemoryPair } from "./memory_peers.ts";
 * const { server, client } = await startMemoryPair(4, undefined);
 * ```
 */
export async function startMemoryPair(
  maxClients: number,
  identity: ServerIdentity | undefined,
): Promise<MemoryPair> {
  const serverClock = new VirtualClock(), clientClock = new VirtualClock();
  const serverCarrier = new MemoryCarrier({ hostname: "server", port: 1, transport: "mem" });
  const clientCarrier = new MemoryCarrier({ hostname: "client", port: 1, transport: "mem" });
  const server = new DatagramMultiplayerPeer(), client = new DatagramMultiplayerPeer();
  await startMemoryServer(server, serverCarrier, new TimerQueue(serverClock), maxClients, identity);
  await startMemoryClient(
    client,
    clientCarrier,
    serverCarrier.localAddress,
    new TimerQueue(clientClock),
    2,
    identity,
  );
  return { server, client, serverCarrier, clientCarrier, serverClock, clientClock };
}

const settleTurns = async () => {
  for (let i = 0; i < 4; i++) await undefined;
};

/**
 * Runs the handshake of `pair`, `move(from, to)` delivering one carrier's datagrams to the other,
 * both clocks 1 ms further per exchange; returns the clocks' time once the client is connected
 * (throws when it is not after 200 exchanges). `encrypted`: the key agreement runs in WebCrypto,
 * outside the microtask queue, so each exchange also waits one timer turn.
 *
 * @example
 * ```ts ignore
 * import { connectMemoryPair, startMemoryPair } from "./memory_peers.ts";
 * const pair = await startMemoryPair(4, undefined);
 * const now = await connectMemoryPair(pair, (from, to) => {}, false);
 * ```
 */
export async function connectMemoryPair(
  pair: MemoryPair,
  move: (from: MemoryCarrier, to: MemoryCarrier) => void,
  encrypted: boolean,
): Promise<number> {
  const { server, client, serverCarrier, clientCarrier, serverClock, clientClock } = pair;
  let now = 0;
  for (let i = 0; i < 200 && client.getConnectionStatus() !== 2; i++) {
    if (encrypted) await new Promise((resolve) => setTimeout(resolve, 0));
    await settleTurns();
    move(clientCarrier, serverCarrier);
    await settleTurns();
    move(serverCarrier, clientCarrier);
    await settleTurns();
    await client.poll(0);
    serverClock.advanceTo(++now);
    clientClock.advanceTo(now);
  }
  if (client.getConnectionStatus() !== 2) throw new Error("the client did not connect");
  await server.poll(0);
  return now;
}
