/**
 * Guard for the in-place byte transforms of this folder (cipher, AEAD).
 *
 * @module
 */
import { MultiplayerError } from "../errors.ts";

/**
 * Throws MultiplayerError INVALID_ARGUMENT when writing `input[inStart..inEnd)` at `outOffset`
 * of `output` would overwrite input bytes that are not read yet: the same memory at another
 * position. Exactly in place (same position) is allowed.
 *
 * @example
 * ```ts
 * import { checkOverlap } from "./_overlap.ts";
 * const buf = new Uint8Array(8);
 * checkOverlap(buf, 0, 4, buf, 0); // in place: fine
 * try { checkOverlap(buf, 0, 4, buf, 2); } catch (e) { console.log((e as Error).message); }
 * ```
 */
export function checkOverlap(
  input: Uint8Array,
  inStart: number,
  inEnd: number,
  output: Uint8Array,
  outOffset: number,
): void {
  const len = inEnd - inStart;
  if (input.buffer !== output.buffer || len <= 0) return;
  const from = input.byteOffset + inStart, to = output.byteOffset + outOffset;
  if (from === to) return;
  if (to < from + len && from < to + len) {
    throw new MultiplayerError("INVALID_ARGUMENT", "output overlaps the input at another offset");
  }
}
