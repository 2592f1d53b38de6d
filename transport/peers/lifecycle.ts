/**
 * The one start-up path of every peer class: claim the peer, build its protocol host and
 * carrier, start the background driver, connect (clients). Module functions, not methods, so
 * the public peer type exposes no protocol internals; the base class registers its private side
 * here once.
 *
 * @module
 */
import type { PeerAddress } from "../../protocol/address.ts";
import type { Host } from "../../protocol/host/host.ts";
import type { HostOptions } from "../../protocol/host/options.ts";
import type { DatagramTransport } from "../carrier.ts";
import type { DriverLayer, PeerDriver } from "../driver.ts";
import type { Clock } from "../time/clock.ts";

/** Host settings that come from the peer's properties (channels, relay, timeout, ...). */
export type PeerHostOptions = Omit<HostOptions, "role">;

/**
 * What a create call built: the protocol host and its carrier, ready to start.
 *
 * @example
 * ```ts
 * import type { PeerStart } from "./lifecycle.ts";
 * const isClient = (s: PeerStart) => s.connectTo !== undefined;
 * ```
 */
export interface PeerStart {
  /** The protocol endpoint. */
  readonly host: Host;
  /** Its carrier (closed again if the peer was closed while it was being built). */
  readonly transport: DatagramTransport;
  /** Time and timers of the driver. */
  readonly clock: Clock;
  /** Optional stage between driver and carrier (authentication hook, encryption). */
  readonly layer?: DriverLayer;
  /** Clients: the server to connect to once the driver runs. */
  readonly connectTo?: PeerAddress;
  /** Called once the driver runs, before connecting (carrier hooks). */
  readonly started?: (driver: PeerDriver) => void;
}

/**
 * The private side of the peer base class, registered once by it.
 *
 * @example
 * ```ts
 * import type { PeerInternals } from "./lifecycle.ts";
 * let internals: PeerInternals | undefined;
 * ```
 */
export interface PeerInternals {
  /** Host options from the peer's properties. */
  hostOptions(peer: object): PeerHostOptions;
  /**
   * Claims the peer for a create call; throws ALREADY_ACTIVE when it is active. The returned
   * function must be called once the call is over (a concurrent `close()` waits for it).
   */
  begin(peer: object): () => void;
  /** Ends the claim; true when `close()` was called while the create call ran. */
  settle(peer: object): boolean;
  /** Runs the driver of `start` for the peer. */
  start(peer: object, start: PeerStart): PeerDriver;
}
let internals: PeerInternals | undefined;

/**
 * Called once by the peer base class's static initializer.
 *
 * @example
 * ```ts
 * import { MultiplayerPeerBase } from "./multiplayer_peer.ts"; // registers on import
 * console.log(typeof MultiplayerPeerBase); // "function"
 * ```
 */
export function registerPeerInternals(i: PeerInternals): void {
  internals = i;
}

function peerInternals(): PeerInternals {
  if (!internals) throw new Error("the peer base class is not loaded");
  return internals;
}

/**
 * Creates a peer: claims it (throws MultiplayerError ALREADY_ACTIVE when it is active), builds
 * its host and carrier with `build` (given the host options from the peer's properties), starts
 * the driver and, for clients, connects. If `build` throws, the claim is released and the error
 * rethrown (`build` closes what it opened before failing). If `close()` was called meanwhile,
 * what was built is closed again and the call resolves to undefined (the peer stays closed;
 * that `close()` resolves once nothing is bound any more).
 *
 * @example
 * ```ts
 * import { startPeer } from "./lifecycle.ts";
 * import { MultiplayerPeerBase } from "./multiplayer_peer.ts";
 * import { Host } from "../../protocol/host/host.ts";
 * import { UdpTransport } from "../udp/udp_transport.ts";
 * import { systemClock } from "../time/clock.ts";
 * class P extends MultiplayerPeerBase {}
 * const p = new P();
 * await startPeer(p, async (base) => ({
 *   host: new Host({ ...base, role: "server" }),
 *   transport: await UdpTransport.bind({ hostname: "127.0.0.1" }),
 *   clock: systemClock,
 * }));
 * await p.close();
 * ```
 */
export async function startPeer(
  peer: object,
  build: (base: PeerHostOptions) => Promise<PeerStart>,
): Promise<PeerDriver | undefined> {
  const i = peerInternals();
  const over = i.begin(peer);
  try {
    const start = await claimedBuild(i, peer, build);
    if (!i.settle(peer)) return launch(i, peer, start);
    await start.layer?.close();
    await start.transport.close();
    return undefined;
  } finally {
    over();
  }
}

/**
 * {@link startPeer} for a carrier that is ready already: builds and starts synchronously, so
 * the peer is active when this returns (errors are thrown, not rejected).
 *
 * @example
 * ```ts
 * import { startPeerNow } from "./lifecycle.ts";
 * import { MultiplayerPeerBase } from "./multiplayer_peer.ts";
 * import { Host } from "../../protocol/host/host.ts";
 * import { VirtualNetwork } from "../sim/virtual_network.ts";
 * class P extends MultiplayerPeerBase {}
 * const net = new VirtualNetwork({ seed: 1 });
 * const p = new P();
 * startPeerNow(p, (base) => ({
 *   host: new Host({ ...base, role: "server" }),
 *   transport: net.createTransport("server", 1),
 *   clock: net.clock,
 * }));
 * console.log(p.getConnectionStatus()); // 2
 * await p.close();
 * ```
 */
export function startPeerNow(
  peer: object,
  build: (base: PeerHostOptions) => PeerStart,
): PeerDriver {
  const i = peerInternals();
  const over = i.begin(peer);
  try {
    const start = claimedBuild(i, peer, build);
    i.settle(peer);
    return launch(i, peer, start);
  } finally {
    over();
  }
}

function claimedBuild<T extends PeerStart | Promise<PeerStart>>(
  i: PeerInternals,
  peer: object,
  build: (base: PeerHostOptions) => T,
): T {
  try {
    const built = build(i.hostOptions(peer));
    if (built instanceof Promise) {
      return built.catch((e) => {
        i.settle(peer);
        throw e;
      }) as T;
    }
    return built;
  } catch (e) {
    i.settle(peer);
    throw e;
  }
}

function launch(i: PeerInternals, peer: object, start: PeerStart): PeerDriver {
  const driver = i.start(peer, start);
  start.started?.(driver);
  if (start.connectTo) {
    start.host.connect(start.connectTo, driver.clock.now());
    driver.touch();
  }
  return driver;
}
