/** A number that must travel as a Godot float (REAL) even when it is whole. @module */

import { MultiplayerError } from "../errors.ts";

/** Width of a REAL on the wire: 32-bit (f32) or 64-bit (f64, the ENCODE_FLAG_64 form). */
export type GodotFloatWidth = 32 | 64;

/**
 * Chooses the width Godot itself would use for `value`: 32 bits when the value survives a
 * round trip through f32 exactly, otherwise 64. NaN never compares equal, so Godot sends it as
 * 64-bit and so does this function.
 *
 * @example
 * ```ts
 * import { autoFloatWidth } from "./variant_float.ts";
 * console.log(autoFloatWidth(0.5), autoFloatWidth(0.1)); // 32 64
 * ```
 */
export function autoFloatWidth(value: number): GodotFloatWidth {
  return Math.fround(value) === value ? 32 : 64;
}

/**
 * Forces a number onto the wire as REAL. Plain JS numbers that are whole become INT, so use this
 * for Godot floats such as `1.0`. The decoder returns one whenever a plain number would not
 * re-encode to the same bytes (a whole float, or a width other than the automatic one).
 *
 * @example
 * ```ts
 * import { GodotFloat } from "./variant_float.ts";
 * const one = new GodotFloat(1);
 * console.log(one.width, one.valueOf() + 1); // 32 2
 * const wide = new GodotFloat(1.5, 64); // forced 64-bit
 * console.log(wide.width); // 64
 * ```
 */
export class GodotFloat {
  /** The number; already rounded to f32 when `width` is 32. */
  readonly value: number;
  /** Bits used on the wire. */
  readonly width: GodotFloatWidth;

  /**
   * Wraps `value`; `width` defaults to {@link autoFloatWidth}. Forcing 32 bits rounds the value
   * to f32 here, so the wrapper shows what is sent.
   */
  constructor(value: number, width?: GodotFloatWidth) {
    if (typeof value !== "number") {
      throw new MultiplayerError(
        "INVALID_ARGUMENT",
        `GodotFloat needs a number, got ${typeof value}`,
      );
    }
    if (width !== undefined && width !== 32 && width !== 64) {
      throw new MultiplayerError(
        "INVALID_ARGUMENT",
        `GodotFloat width must be 32 or 64, got ${width}`,
      );
    }
    this.width = width ?? autoFloatWidth(value);
    this.value = this.width === 32 ? Math.fround(value) : value;
  }

  /** The wrapped number, so that arithmetic and comparisons work directly. */
  valueOf(): number {
    return this.value;
  }
}
