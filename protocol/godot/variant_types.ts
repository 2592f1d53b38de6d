/**
 * Value wrappers for the Godot 3.2 Variant types that have no native JS counterpart, under the
 * names Godot users know.
 * @module
 */

export { autoFloatWidth, GodotFloat, type GodotFloatWidth } from "./variant_float.ts";
export {
  AABB,
  Basis,
  Color,
  Plane,
  Quat,
  Rect2,
  Transform,
  Transform2D,
  Vector2,
  Vector3,
} from "./variant_math.ts";
export { NodePath } from "./variant_node_path.ts";
export {
  PoolColorArray,
  PoolStringArray,
  PoolVector2Array,
  PoolVector3Array,
} from "./variant_pools.ts";
export { RID } from "./variant_rid.ts";
