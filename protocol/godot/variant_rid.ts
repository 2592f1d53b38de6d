/** Godot's RID on the wire. @module */

/**
 * A Godot RID (resource id). Godot 3.2 encodes a RID as its type header alone, without the id,
 * and decodes it as an empty RID; so a RID carries no information across the network and this
 * class has no fields. It exists so that a variant holding one decodes instead of failing.
 *
 * @example
 * ```ts
 * import { RID } from "./variant_rid.ts";
 * import { encodeVariant } from "./variant.ts";
 * console.log(encodeVariant(new RID()).length); // 4
 * ```
 */
export class RID {}
