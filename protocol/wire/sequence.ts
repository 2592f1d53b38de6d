/**
 * 16-bit wire sequence numbers <-> extended (monotonic, up to 2^53) sequence numbers.
 * Windows used with them stay far below 32768, so the nearest extension is unambiguous.
 *
 * @module
 */

/** Modulus of wire sequence numbers. */
export const SEQ_MODULUS = 0x10000;

/**
 * Extends a 16-bit wire value to the full sequence number closest to `reference`.
 * Never returns a negative number.
 *
 * @example
 * ```ts
 * import { extendSeq } from "./sequence.ts";
 * console.log(extendSeq(2, 65534)); // 65538
 * console.log(extendSeq(65535, 65537)); // 65535
 * ```
 */
export function extendSeq(wire: number, reference: number): number {
  // signed 16-bit distance from the reference's low bits
  const diff = ((wire - reference) << 16) >> 16;
  const v = reference + diff;
  return v < 0 ? v + SEQ_MODULUS : v;
}

/**
 * Low 16 bits of an extended sequence number (what goes on the wire).
 *
 * @example
 * ```ts
 * import { wireSeq } from "./sequence.ts";
 * console.log(wireSeq(65537)); // 1
 * ```
 */
export function wireSeq(seq: number): number {
  return seq % SEQ_MODULUS;
}
