/** Godot 3.2 Variant type ids as they appear in the low byte of an encoded variant's header. @module */

/**
 * The 27 Variant type ids of Godot 3.2, in wire order.
 *
 * @example
 * ```ts
 * import { VariantType } from "./variant_type_ids.ts";
 * console.log(VariantType.DICTIONARY); // 18
 * ```
 */
export const VariantType = {
  NIL: 0,
  BOOL: 1,
  INT: 2,
  REAL: 3,
  STRING: 4,
  VECTOR2: 5,
  RECT2: 6,
  VECTOR3: 7,
  TRANSFORM2D: 8,
  PLANE: 9,
  QUAT: 10,
  AABB: 11,
  BASIS: 12,
  TRANSFORM: 13,
  COLOR: 14,
  NODE_PATH: 15,
  RID: 16,
  OBJECT: 17,
  DICTIONARY: 18,
  ARRAY: 19,
  POOL_BYTE_ARRAY: 20,
  POOL_INT_ARRAY: 21,
  POOL_REAL_ARRAY: 22,
  POOL_STRING_ARRAY: 23,
  POOL_VECTOR2_ARRAY: 24,
  POOL_VECTOR3_ARRAY: 25,
  POOL_COLOR_ARRAY: 26,
} as const;

/** One of {@link VariantType}'s values. */
export type VariantType = typeof VariantType[keyof typeof VariantType];

/** Number of Variant types in Godot 3.2; any id at or above it is invalid. */
export const VARIANT_TYPE_COUNT = 27;

const NAMES: readonly string[] = Object.keys(VariantType);

/**
 * Godot's name for a Variant type id (for error messages), or `"type <id>"` when the id is not
 * a Godot 3.2 type.
 *
 * @example
 * ```ts
 * import { variantTypeName } from "./variant_type_ids.ts";
 * console.log(variantTypeName(15)); // NODE_PATH
 * console.log(variantTypeName(99)); // type 99
 * ```
 */
export function variantTypeName(id: number): string {
  return Number.isInteger(id) && id >= 0 && id < NAMES.length ? NAMES[id] : `type ${id}`;
}
