/**
 * The UDP carrier: `Deno.listenDatagram` with one reused receive buffer and counted, never
 * thrown, send errors; optionally a receive thread that reads the socket into a ring
 * (`receiveThread`).
 *
 * @example
 * ```ts
 * import { UdpTransport } from "./mod.ts";
 * const udp = await UdpTransport.bind({ hostname: "127.0.0.1" });
 * console.log(udp.localAddress.port > 0); // true
 * await udp.close();
 * ```
 *
 * @module
 */
export * from "./udp_transport.ts";
