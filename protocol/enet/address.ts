/** Opaque remote addresses, compared by value. @module */

/**
 * Where a datagram came from / goes to. The state machine never interprets it: IPv4, IPv6 or
 * anything else is the owner's business; two addresses are the same remote when all fields match.
 *
 * @example
 * ```ts
 * import type { EnetAddress } from "./address.ts";
 * const server: EnetAddress = { hostname: "127.0.0.1", port: 22577, transport: "udp" };
 * ```
 */
export interface EnetAddress {
  /** Host name or IP literal. */
  readonly hostname: string;
  /** UDP port. */
  readonly port: number;
  /** Transport tag (e.g. "udp"), compared like the other fields. */
  readonly transport?: string;
}

/**
 * True when both addresses name the same remote.
 *
 * @example
 * ```ts
 * import { sameAddress } from "./address.ts";
 * console.log(sameAddress({ hostname: "::1", port: 1 }, { hostname: "::1", port: 1 })); // true
 * ```
 */
export function sameAddress(a: EnetAddress, b: EnetAddress): boolean {
  return a.port === b.port && a.hostname === b.hostname &&
    (a.transport ?? "") === (b.transport ?? "");
}

/**
 * True when both addresses share host and transport (the port may differ): used to count
 * connections coming from one machine.
 *
 * @example
 * ```ts
 * import { sameHost } from "./address.ts";
 * console.log(sameHost({ hostname: "10.0.0.1", port: 1 }, { hostname: "10.0.0.1", port: 2 })); // true
 * ```
 */
export function sameHost(a: EnetAddress, b: EnetAddress): boolean {
  return a.hostname === b.hostname && (a.transport ?? "") === (b.transport ?? "");
}

/**
 * A string key unique per address value (for maps).
 *
 * @example
 * ```ts
 * import { addressKey } from "./address.ts";
 * console.log(addressKey({ hostname: "127.0.0.1", port: 9 })); // "|127.0.0.1|9"
 * ```
 */
export function addressKey(a: EnetAddress): string {
  return `${a.transport ?? ""}|${a.hostname}|${a.port}`;
}
