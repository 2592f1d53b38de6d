/**
 * Yielding helpers for benchmark senders. Why not `setImmediate`: while a Deno process keeps
 * re-scheduling itself (setImmediate, MessageChannel), the runtime polls the socket driver only
 * every ~60 turns, so acks are read 50-300 ms late. A sender must instead let the event loop
 * park: wait on a timer or on the peer (`await peer.poll(ms)`), and socket reads complete at once.
 *
 * @module
 */

/** Something that can wait for activity, e.g. a `UdpMultiplayerPeer`. */
interface Pollable {
  poll(timeoutMs?: number): Promise<number>;
}

/**
 * Lets the event loop park until `peer` has activity or `ms` passed, so acks and the peer's
 * end-of-turn flush run promptly (the peer keeps sending its queue meanwhile).
 *
 * @example
 * ```ts
 * import { nextTurn } from "./pace.ts";
 * const peer = { poll: (_ms?: number) => Promise.resolve(0) };
 * await nextTurn(peer);
 * ```
 */
export async function nextTurn(peer: Pollable, ms = 1): Promise<void> {
  await peer.poll(ms);
}

/**
 * Resolves after `ms` milliseconds (backoff while a send queue is full; not synchronization).
 *
 * @example
 * ```ts
 * import { delay } from "./pace.ts";
 * await delay(1);
 * ```
 */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
