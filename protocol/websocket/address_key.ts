/**
 * Which remote addresses count as "the same host" for per-address limits. IPv4 addresses count
 * exactly; an IPv6 address counts by its /64 prefix, because one subscriber commonly owns a whole
 * /64 and could otherwise pick a fresh address for every socket. An IPv4-mapped IPv6 address
 * (what a dual-stack listener reports for IPv4 clients) counts as the IPv4 address.
 *
 * @module
 */

/**
 * The limit key of `hostname` (an IP literal as a socket reports it): the IPv4 address itself,
 * or `"<first four hextets>::/64"` for IPv6. Zone suffixes and brackets are ignored; text that
 * is no IP literal is returned lower-cased, so it still counts consistently.
 *
 * @example
 * ```ts
 * import { addressLimitKey } from "./address_key.ts";
 * console.log(addressLimitKey("203.0.113.7")); // 203.0.113.7
 * console.log(addressLimitKey("::ffff:203.0.113.7")); // 203.0.113.7
 * console.log(addressLimitKey("2001:db8:0:1:aaaa::1")); // 2001:db8:0:1::/64
 * console.log(addressLimitKey("2001:DB8:0:1:ffff::9")); // 2001:db8:0:1::/64
 * ```
 */
export function addressLimitKey(hostname: string): string {
  let text = hostname;
  if (text.startsWith("[") && text.endsWith("]")) text = text.slice(1, -1);
  const zone = text.indexOf("%");
  if (zone >= 0) text = text.slice(0, zone);
  if (!text.includes(":")) return text.toLowerCase();
  const groups = parseIpv6(text);
  if (groups === undefined) return text.toLowerCase();
  const mapped = groups[0] === 0 && groups[1] === 0 && groups[2] === 0 && groups[3] === 0 &&
    groups[4] === 0 && groups[5] === 0xffff;
  if (mapped) {
    return `${groups[6] >>> 8}.${groups[6] & 0xff}.${groups[7] >>> 8}.${groups[7] & 0xff}`;
  }
  return `${groups.slice(0, 4).map((g) => g.toString(16)).join(":")}::/64`;
}

const HEXTET = /^[0-9a-fA-F]{1,4}$/;
const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** The eight 16-bit groups of an IPv6 literal (with `::` and a dotted IPv4 tail), or undefined. */
function parseIpv6(text: string): number[] | undefined {
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const head = halves[0] === "" ? [] : halves[0].split(":");
  const tail = halves.length === 2 && halves[1] !== "" ? halves[1].split(":") : [];
  const parts = halves.length === 2 ? tail : head;
  // a dotted IPv4 tail stands for the last two groups
  const last = parts.length > 0 ? parts[parts.length - 1] : undefined;
  const extra: number[] = [];
  if (last !== undefined && last.includes(".")) {
    const v4 = IPV4.exec(last);
    if (v4 === null) return undefined;
    const bytes = v4.slice(1).map(Number);
    if (bytes.some((b) => b > 255)) return undefined;
    parts.pop();
    extra.push((bytes[0] << 8) | bytes[1], (bytes[2] << 8) | bytes[3]);
  }
  const front = halves.length === 2 ? head : parts;
  const back = halves.length === 2 ? parts : [];
  if (![...front, ...back].every((g) => HEXTET.test(g))) return undefined;
  const known = front.length + back.length + extra.length;
  if (halves.length === 1 ? known !== 8 : known > 7) return undefined;
  const zeros = new Array<number>(8 - known).fill(0);
  return [
    ...front.map((g) => parseInt(g, 16)),
    ...zeros,
    ...back.map((g) => parseInt(g, 16)),
    ...extra,
  ];
}
