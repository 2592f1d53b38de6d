/**
 * The multiplayer endpoint of the native protocol: peer table, ids, both handshakes, relay and
 * routing, events, flow feedback and the bounded inbound queue. {@link Host} is driven with
 * datagrams, timeouts and application calls, each with a `now`; it hands back datagrams, events,
 * packets and its next deadline.
 *
 * @example
 * ```ts
 * import { Host } from "./mod.ts";
 * const server = new Host({ role: "server", createConnection: () => { throw new Error(); } });
 * console.log(server.uniqueId, server.pollTimeout()); // 1 undefined
 * ```
 *
 * @module
 */
export { Host } from "./host.ts";
export {
  type ConnectionFactory,
  type HostOptions,
  type ResolvedHostOptions,
  resolveHostOptions,
} from "./options.ts";
export type { HostEvent, InboundPacket, Transmit } from "./types.ts";
export type { AcceptVerification } from "./client_handshake.ts";
export type { HandshakeCounters, HandshakeRequest } from "./server_handshake.ts";
