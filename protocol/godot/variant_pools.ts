/**
 * Godot's pool arrays that have no native JS equivalent. (POOL_BYTE_ARRAY, POOL_INT_ARRAY and
 * POOL_REAL_ARRAY map to `Uint8Array`, `Int32Array` and `Float32Array`.)
 * @module
 */

import { MultiplayerError } from "../errors.ts";
import { Color, Vector2, Vector3 } from "./variant_math.ts";
import { itemIndex, packComponents } from "./_variant_packed.ts";

/**
 * A Godot PoolStringArray: a frozen list of strings.
 *
 * @example
 * ```ts
 * import { PoolStringArray } from "./variant_pools.ts";
 * const names = new PoolStringArray(["ann", "bob"]);
 * console.log(names.length, names.values[1]); // 2 bob
 * ```
 */
export class PoolStringArray {
  /** The strings, in order. */
  readonly values: readonly string[];

  /** Copies `values`. */
  constructor(values: Iterable<string> = []) {
    const copy = Array.from(values);
    for (const value of copy) {
      if (typeof value !== "string") {
        throw new MultiplayerError(
          "INVALID_ARGUMENT",
          `PoolStringArray holds strings, got ${typeof value}`,
        );
      }
    }
    this.values = Object.freeze(copy);
  }

  /** Number of strings. */
  get length(): number {
    return this.values.length;
  }

  /** Iterates the strings. */
  [Symbol.iterator](): IterableIterator<string> {
    return this.values[Symbol.iterator]();
  }
}

/**
 * A Godot PoolVector2Array, stored as interleaved `x, y` f32 components (the wire layout).
 *
 * @example
 * ```ts
 * import { PoolVector2Array } from "./variant_pools.ts";
 * import { Vector2 } from "./variant_math.ts";
 * const points = new PoolVector2Array([new Vector2(1, 2), new Vector2(3, 4)]);
 * console.log(points.length, points.at(-1)?.x, points.data); // 2 3 Float32Array(4) [ 1, 2, 3, 4 ]
 * ```
 */
export class PoolVector2Array {
  /** Components `x0, y0, x1, y1, ...`. */
  readonly data: Float32Array;

  /** Packs `source`; a Float32Array is taken as the components themselves, without a copy. */
  constructor(source: Float32Array | readonly Vector2[] = []) {
    this.data = packComponents(source, 2, "PoolVector2Array", (v, data, o) => {
      data[o] = v.x;
      data[o + 1] = v.y;
    });
  }

  /** Number of vectors. */
  get length(): number {
    return this.data.length / 2;
  }

  /** The vector at `index` (negative counts from the end), or undefined when out of range. */
  at(index: number): Vector2 | undefined {
    const i = itemIndex(index, this.length) * 2;
    return i < 0 ? undefined : new Vector2(this.data[i], this.data[i + 1]);
  }

  /** The vectors as a new array. */
  toArray(): Vector2[] {
    return Array.from({ length: this.length }, (_, i) => this.at(i)!);
  }
}

/**
 * A Godot PoolVector3Array, stored as interleaved `x, y, z` f32 components.
 *
 * @example
 * ```ts
 * import { PoolVector3Array } from "./variant_pools.ts";
 * import { Vector3 } from "./variant_math.ts";
 * const points = new PoolVector3Array([new Vector3(1, 2, 3)]);
 * console.log(points.length, points.at(0)?.z); // 1 3
 * ```
 */
export class PoolVector3Array {
  /** Components `x0, y0, z0, x1, ...`. */
  readonly data: Float32Array;

  /** Packs `source`; a Float32Array is taken as the components themselves, without a copy. */
  constructor(source: Float32Array | readonly Vector3[] = []) {
    this.data = packComponents(source, 3, "PoolVector3Array", (v, data, o) => {
      data[o] = v.x;
      data[o + 1] = v.y;
      data[o + 2] = v.z;
    });
  }

  /** Number of vectors. */
  get length(): number {
    return this.data.length / 3;
  }

  /** The vector at `index` (negative counts from the end), or undefined when out of range. */
  at(index: number): Vector3 | undefined {
    const i = itemIndex(index, this.length) * 3;
    return i < 0 ? undefined : new Vector3(this.data[i], this.data[i + 1], this.data[i + 2]);
  }

  /** The vectors as a new array. */
  toArray(): Vector3[] {
    return Array.from({ length: this.length }, (_, i) => this.at(i)!);
  }
}

/**
 * A Godot PoolColorArray, stored as interleaved `r, g, b, a` f32 components.
 *
 * @example
 * ```ts
 * import { PoolColorArray } from "./variant_pools.ts";
 * import { Color } from "./variant_math.ts";
 * const palette = new PoolColorArray([new Color(1, 0, 0), new Color(0, 0, 1, 0.5)]);
 * console.log(palette.length, palette.at(1)?.a); // 2 0.5
 * ```
 */
export class PoolColorArray {
  /** Components `r0, g0, b0, a0, r1, ...`. */
  readonly data: Float32Array;

  /** Packs `source`; a Float32Array is taken as the components themselves, without a copy. */
  constructor(source: Float32Array | readonly Color[] = []) {
    this.data = packComponents(source, 4, "PoolColorArray", (c, data, o) => {
      data[o] = c.r;
      data[o + 1] = c.g;
      data[o + 2] = c.b;
      data[o + 3] = c.a;
    });
  }

  /** Number of colours. */
  get length(): number {
    return this.data.length / 4;
  }

  /** The colour at `index` (negative counts from the end), or undefined when out of range. */
  at(index: number): Color | undefined {
    const i = itemIndex(index, this.length) * 4;
    return i < 0
      ? undefined
      : new Color(this.data[i], this.data[i + 1], this.data[i + 2], this.data[i + 3]);
  }

  /** The colours as a new array. */
  toArray(): Color[] {
    return Array.from({ length: this.length }, (_, i) => this.at(i)!);
  }
}
