/** Shared helpers for the pool wrappers that keep their items as interleaved f32 components. */

import { MultiplayerError } from "../errors.ts";

/**
 * Returns `source` itself when it is a Float32Array (checking its length is a multiple of
 * `stride`), or packs each item's components into a new one.
 */
export function packComponents<T>(
  source: Float32Array | readonly T[],
  stride: number,
  typeName: string,
  write: (item: T, target: Float32Array, offset: number) => void,
): Float32Array {
  if (source instanceof Float32Array) {
    if (source.length % stride !== 0) {
      throw new MultiplayerError(
        "INVALID_ARGUMENT",
        `${typeName} needs a multiple of ${stride} components, got ${source.length}`,
      );
    }
    return source;
  }
  if (!Array.isArray(source)) {
    throw new MultiplayerError("INVALID_ARGUMENT", `${typeName} needs an array or a Float32Array`);
  }
  const data = new Float32Array(source.length * stride);
  for (let i = 0; i < source.length; i++) write(source[i], data, i * stride);
  return data;
}

/** Converts a possibly negative or fractional index to an item index, or -1 when out of range. */
export function itemIndex(index: number, length: number): number {
  const i = Math.trunc(index);
  const resolved = i < 0 ? length + i : i;
  return resolved >= 0 && resolved < length ? resolved : -1;
}
