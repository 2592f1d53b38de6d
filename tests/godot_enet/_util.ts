/**
 * Small shared pieces of the Godot ENet tests: byte comparison, resending an unreliable packet
 * behind a reliable fence until it arrived, timing.
 *
 * @module
 */
import assert from "node:assert/strict";
import { UNRELIABLE_ROUNDS } from "./_matrix.ts";

/**
 * Whether two byte arrays hold the same bytes.
 *
 * @example
 * ```ts
 * import { sameBytes } from "./_util.ts";
 * console.log(sameBytes(new Uint8Array([1]), new Uint8Array([1]))); // true
 * ```
 */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Sends an unreliable packet (`send`), then a reliable fence (`fence`, resolving once the
 * receiver has it), until `arrived()`; a few rounds (a Godot sender's throttle may drop the odd
 * unreliable packet under CPU load). Asserts it arrived.
 *
 * @example
 * ```ts
 * import { resendUntil } from "./_util.ts";
 * let arrived = false;
 * await resendUntil(() => { arrived = true; }, async () => {}, () => arrived, "a packet");
 * ```
 */
export async function resendUntil(
  send: () => Promise<unknown> | void,
  fence: (round: number) => Promise<void>,
  arrived: () => boolean,
  what: string,
): Promise<void> {
  for (let round = 0; round < UNRELIABLE_ROUNDS && !arrived(); round++) {
    await send();
    await fence(round);
  }
  assert.ok(arrived(), `${what} never arrived in ${UNRELIABLE_ROUNDS} rounds`);
}

/**
 * Milliseconds rounded to 0.1.
 *
 * @example
 * ```ts
 * import { ms } from "./_util.ts";
 * console.log(ms(1.2345)); // 1.2
 * ```
 */
export function ms(x: number): number {
  return Math.round(x * 10) / 10;
}
