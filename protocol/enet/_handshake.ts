/** Pure rules of the connect handshake: session ids, window sizes, MTU. @module */
import { EnetDefault, EnetLimit } from "./constants.ts";

/**
 * New session ids for a connection on a slot whose previous ids were `slotIncoming` /
 * `slotOutgoing`, given the ids the CONNECT proposed (0xFF = none): each is the proposal (or the
 * slot's previous one) plus one, skipping the slot's previous value, modulo 4.
 * Returns [server's outgoing (= client's incoming), server's incoming (= client's outgoing)].
 *
 * @example
 * ```ts
 * import { nextSessionIds } from "./_handshake.ts";
 * console.log(nextSessionIds(0xff, 0xff, 0xff, 0xff)); // [0, 0]
 * console.log(nextSessionIds(0, 0, 0, 0)); // [1, 1]
 * ```
 */
export function nextSessionIds(
  proposedIncoming: number,
  proposedOutgoing: number,
  slotIncoming: number,
  slotOutgoing: number,
): [number, number] {
  let outgoing = proposedIncoming === 0xff ? slotOutgoing : proposedIncoming;
  outgoing = (outgoing + 1) & 3;
  if (outgoing === slotOutgoing) outgoing = (outgoing + 1) & 3;
  let incoming = proposedOutgoing === 0xff ? slotIncoming : proposedOutgoing;
  incoming = (incoming + 1) & 3;
  if (incoming === slotIncoming) incoming = (incoming + 1) & 3;
  return [outgoing, incoming];
}

/**
 * Clamps a value to the protocol's window range.
 *
 * @example
 * ```ts
 * import { clampWindow } from "./_handshake.ts";
 * console.log(clampWindow(1), clampWindow(1 << 20)); // 4096 65536
 * ```
 */
export function clampWindow(size: number): number {
  return Math.min(Math.max(size, EnetLimit.MINIMUM_WINDOW_SIZE), EnetLimit.MAXIMUM_WINDOW_SIZE);
}

/**
 * Clamps an MTU to the protocol's range.
 *
 * @example
 * ```ts
 * import { clampMtu } from "./_handshake.ts";
 * console.log(clampMtu(100), clampMtu(9000)); // 576 4096
 * ```
 */
export function clampMtu(mtu: number): number {
  return Math.min(Math.max(mtu, EnetLimit.MINIMUM_MTU), EnetLimit.MAXIMUM_MTU);
}

/**
 * Window a bandwidth allows: 4096 bytes per 64 KiB/s (clamped), or the maximum when unlimited.
 *
 * @example
 * ```ts
 * import { windowForBandwidth } from "./_handshake.ts";
 * console.log(windowForBandwidth(0), windowForBandwidth(1 << 20)); // 65536 65536
 * console.log(windowForBandwidth(128 * 1024)); // 8192
 * ```
 */
export function windowForBandwidth(bandwidth: number): number {
  if (bandwidth === 0) return EnetLimit.MAXIMUM_WINDOW_SIZE;
  return clampWindow(
    Math.floor(bandwidth / EnetDefault.WINDOW_SIZE_SCALE) * EnetLimit.MINIMUM_WINDOW_SIZE,
  );
}

/**
 * Our sending window towards a peer from our upstream and its downstream bandwidth: the smaller
 * when both are limited, the one limited otherwise.
 *
 * @example
 * ```ts
 * import { sendWindow } from "./_handshake.ts";
 * console.log(sendWindow(0, 0), sendWindow(256 * 1024, 0)); // 65536 16384
 * ```
 */
export function sendWindow(hostOutgoing: number, remoteIncoming: number): number {
  if (hostOutgoing === 0 && remoteIncoming === 0) return EnetLimit.MAXIMUM_WINDOW_SIZE;
  const base = hostOutgoing === 0 || remoteIncoming === 0
    ? Math.max(hostOutgoing, remoteIncoming)
    : Math.min(hostOutgoing, remoteIncoming);
  return clampWindow(
    Math.floor(base / EnetDefault.WINDOW_SIZE_SCALE) * EnetLimit.MINIMUM_WINDOW_SIZE,
  );
}

/**
 * The window a server grants in VERIFY_CONNECT: what its downstream allows, at most what the
 * client asked for, clamped.
 *
 * @example
 * ```ts
 * import { grantedWindow } from "./_handshake.ts";
 * console.log(grantedWindow(0, 32768)); // 32768
 * ```
 */
export function grantedWindow(hostIncoming: number, requested: number): number {
  let size = hostIncoming === 0
    ? EnetLimit.MAXIMUM_WINDOW_SIZE
    : Math.floor(hostIncoming / EnetDefault.WINDOW_SIZE_SCALE) * EnetLimit.MINIMUM_WINDOW_SIZE;
  if (size > requested) size = requested;
  return clampWindow(size);
}
