/**
 * Everything that owns I/O: the carrier contract and its implementations (UDP, WebSocket, a
 * composite of both, simulation), time and timers, the driver that runs a protocol host on a
 * carrier, the secure layer, and the public peer classes.
 *
 * @example
 * ```ts
 * import { UdpMultiplayerPeer } from "./mod.ts";
 * const peer = new UdpMultiplayerPeer();
 * console.log(peer.getConnectionStatus()); // 0
 * ```
 *
 * @module
 */
export type { DatagramHandler, DatagramTransport, PeerAddress } from "./carrier.ts";
export { CompositeTransport } from "./composite_transport.ts";
export { type DriverContext, type DriverLayer, PeerDriver } from "./driver.ts";
export * from "./time/mod.ts";
export * from "./udp/mod.ts";
export * from "./websocket/mod.ts";
export * from "./secure/mod.ts";
export * from "./sim/mod.ts";
export * from "./peers/mod.ts";
