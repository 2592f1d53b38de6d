/**
 * Remotes of an ENet host: the project's opaque addresses, compared by value (a missing carrier
 * tag means `"udp"`, as everywhere in the project), plus the host-only comparison ENet's
 * duplicate-peer limit needs.
 *
 * @module
 */
import { addressKey, type PeerAddress, sameAddress } from "../address.ts";

export { addressKey, sameAddress };

/**
 * Where a datagram came from / goes to. The state machine never interprets it: IPv4, IPv6 or
 * anything else is the owner's business.
 *
 * @example
 * ```ts
 * import type { EnetAddress } from "./address.ts";
 * const server: EnetAddress = { hostname: "127.0.0.1", port: 22577, transport: "udp" };
 * ```
 */
export type EnetAddress = PeerAddress;

/**
 * Same hostname and carrier, any port (ENet's limit on peers per host).
 *
 * @example
 * ```ts
 * import { sameHost } from "./address.ts";
 * console.log(sameHost({ hostname: "a", port: 1 }, { hostname: "a", port: 2, transport: "udp" })); // true
 * ```
 */
export function sameHost(a: EnetAddress, b: EnetAddress): boolean {
  return a.hostname === b.hostname && (a.transport ?? "udp") === (b.transport ?? "udp");
}
