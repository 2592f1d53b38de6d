/**
 * The create/start protocol between {@link MultiplayerPeerBase} and its subclasses: module
 * functions (not methods), so the public peer type exposes no protocol internals.
 *
 * @module
 */
import type { Host } from "../../protocol/host/host.ts";
import type { HostOptions } from "../../protocol/host/options.ts";
import type { MultiplayerPeerBase } from "./multiplayer_peer.ts";
import type { DriverLayer, PeerDriver } from "../driver.ts";
import type { Clock, DatagramTransport } from "../carrier.ts";

/**
 * The peer's private operations, registered once by {@link MultiplayerPeerBase}.
 *
 * @example
 * ```ts
 * import type { PeerInternals } from "./lifecycle.ts";
 * let value: PeerInternals | undefined;
 * ```
 */
export interface PeerInternals {
  hostOptions(p: MultiplayerPeerBase): Omit<HostOptions, "role">;
  begin(p: MultiplayerPeerBase): void;
  abort(p: MultiplayerPeerBase): void;
  start(
    p: MultiplayerPeerBase,
    h: Host,
    t: DatagramTransport,
    c: Clock,
    layer?: DriverLayer,
  ): PeerDriver;
}
let internals: PeerInternals;

/**
 * Called once by {@link MultiplayerPeerBase}'s static initializer.
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

/**
 * Claims `peer` for a create call; throws MultiplayerError ALREADY_ACTIVE when it is active.
 *
 * @example
 * ```ts
 * import { abortCreate, beginCreate, MultiplayerPeerBase } from "./multiplayer_peer.ts";
 * class P extends MultiplayerPeerBase {}
 * const p = new P();
 * beginCreate(p);
 * abortCreate(p); // e.g. binding failed
 * ```
 */
export function beginCreate(peer: MultiplayerPeerBase): void {
  internals.begin(peer);
}

/**
 * Releases the claim of {@link beginCreate} after a failed create call.
 *
 * @example
 * ```ts
 * import { abortCreate, beginCreate, MultiplayerPeerBase } from "./multiplayer_peer.ts";
 * class P extends MultiplayerPeerBase {}
 * const p = new P();
 * beginCreate(p);
 * abortCreate(p);
 * beginCreate(p); // allowed again
 * ```
 */
export function abortCreate(peer: MultiplayerPeerBase): void {
  internals.abort(peer);
}

/**
 * Host options from the peer's settings (channels, relay, timeout, buffer size, connections).
 *
 * @example
 * ```ts
 * import { MultiplayerPeerBase, peerHostOptions } from "./multiplayer_peer.ts";
 * class P extends MultiplayerPeerBase {}
 * console.log(peerHostOptions(new P()).channelCount); // 3
 * ```
 */
export function peerHostOptions(peer: MultiplayerPeerBase): Omit<HostOptions, "role"> {
  return internals.hostOptions(peer);
}

/**
 * Starts the background driver of `host` over `transport` for `peer`, optionally through a
 * {@link DriverLayer} (authentication hook, encryption).
 *
 * @example
 * ```ts
 * import { beginCreate, MultiplayerPeerBase, peerHostOptions, startHost } from "./multiplayer_peer.ts";
 * import { Host } from "../../protocol/host/host.ts";
 * import { UdpTransport } from "../udp/udp_transport.ts";
 * import { systemClock } from "../carrier.ts";
 * class P extends MultiplayerPeerBase {}
 * const p = new P();
 * beginCreate(p);
 * const host = new Host({ ...peerHostOptions(p), role: "server" });
 * startHost(p, host, await UdpTransport.bind({ hostname: "127.0.0.1" }), systemClock);
 * await p.close();
 * ```
 */
export function startHost(
  peer: MultiplayerPeerBase,
  host: Host,
  transport: DatagramTransport,
  clock: Clock,
  layer?: DriverLayer,
): PeerDriver {
  return internals.start(peer, host, transport, clock, layer);
}
