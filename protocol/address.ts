/**
 * Addresses of remotes, as every protocol stack and carrier sees them: an opaque, comparable
 * value (host, port, carrier tag). Defined here so the protocol core needs nothing from I/O.
 *
 * @module
 */

/**
 * Where a datagram came from or goes to.
 *
 * @example
 * ```ts
 * import type { PeerAddress } from "./address.ts";
 * const server: PeerAddress = { hostname: "127.0.0.1", port: 7000 };
 * ```
 */
export interface PeerAddress {
  /** Host name or IP literal. */
  readonly hostname: string;
  /** Port number (or any carrier-specific small integer). */
  readonly port: number;
  /** Carrier tag, e.g. `"udp"` or `"ws"`; lets one server route over several carriers. */
  readonly transport?: string;
}

/**
 * Returns a stable map key for an address.
 *
 * @example
 * ```ts
 * import { addressKey } from "./address.ts";
 * console.log(addressKey({ hostname: "::1", port: 7000 })); // udp|::1|7000
 * ```
 */
export function addressKey(address: PeerAddress): string {
  return `${address.transport ?? "udp"}|${address.hostname}|${address.port}`;
}

/**
 * Same hostname, port and carrier.
 *
 * @example
 * ```ts
 * import { sameAddress } from "./address.ts";
 * console.log(sameAddress({ hostname: "a", port: 1 }, { hostname: "a", port: 1, transport: "udp" })); // true
 * ```
 */
export function sameAddress(a: PeerAddress, b: PeerAddress): boolean {
  return a.port === b.port && a.hostname === b.hostname &&
    (a.transport ?? "udp") === (b.transport ?? "udp");
}

/**
 * Copies an address, so a carrier may reuse its own objects.
 *
 * @example
 * ```ts
 * import { copyAddress } from "./address.ts";
 * const from = { hostname: "127.0.0.1", port: 9 };
 * console.log(copyAddress(from) !== from); // true
 * ```
 */
export function copyAddress(a: PeerAddress): PeerAddress {
  return a.transport === undefined
    ? { hostname: a.hostname, port: a.port }
    : { hostname: a.hostname, port: a.port, transport: a.transport };
}
