/**
 * Godot 3.2's Variant binary encoding: what `PacketPeer.put_var` / `get_var`, `var2bytes` /
 * `bytes2var` and RPC arguments carry.
 *
 * JS values map to Variants as follows (encode; decode gives the same shapes back):
 *
 * | JS | Variant |
 * |---|---|
 * | `null`, `undefined` | NIL (decodes as `null`) |
 * | boolean | BOOL |
 * | whole number in int32 / in int64 | INT, 32-bit / 64-bit |
 * | bigint | INT, 32-bit when it fits like Godot (decoded only outside the safe-integer range) |
 * | other number (fraction, NaN, ±Infinity, -0) | REAL, f32 when exact, else f64 |
 * | {@link GodotFloat} | REAL of the given width (decoded for whole or unusual-width floats) |
 * | string | STRING |
 * | Array | ARRAY |
 * | plain object / Map | DICTIONARY (see {@link decodeVariant} for which one comes back) |
 * | Uint8Array, Int32Array, Float32Array | POOL_BYTE_ARRAY, POOL_INT_ARRAY, POOL_REAL_ARRAY |
 * | Vector2, Rect2, Vector3, Transform2D, Plane, Quat, AABB, Basis, Transform, Color, NodePath, RID, PoolStringArray, PoolVector2Array, PoolVector3Array, PoolColorArray | the Godot type of that name |
 *
 * OBJECT is never produced or accepted.
 * @module
 */

import { MultiplayerError } from "../errors.ts";
import { resolveVariantLimits, type VariantLimits } from "./variant_limits.ts";
import { VariantEncoder } from "./_variant_encoder.ts";
import { FAILED, VariantDecoder } from "./_variant_decoder.ts";
import { VariantWriter } from "./_variant_writer.ts";

export { DEFAULT_VARIANT_LIMITS, type VariantLimits } from "./variant_limits.ts";
export { VariantType, variantTypeName } from "./variant_type_ids.ts";

/** What {@link decodeVariant} returns: the value and how many bytes it took, or why not. */
export type DecodeVariantResult =
  | { ok: true; value: unknown; bytesRead: number }
  | { ok: false; error: string };

/** Reused between calls; a nested call (from a getter) gets its own. */
let sharedWriter: VariantWriter | undefined = new VariantWriter();

function limitsOrThrow(limits: Partial<VariantLimits> | undefined): Readonly<VariantLimits> {
  const resolved = resolveVariantLimits(limits);
  if (typeof resolved === "string") throw new MultiplayerError("INVALID_ARGUMENT", resolved);
  return resolved;
}

/**
 * Encodes `value` as one Godot Variant and returns the bytes (a new array).
 *
 * Throws `MultiplayerError("INVALID_ARGUMENT")`, naming the path to the offending value, for
 * anything without a Variant encoding: functions, symbols, class instances other than the
 * wrappers and the three typed arrays, symbol-keyed objects, cycles, nesting beyond
 * `maxDepth`, more than `maxItems` elements, integers or bigints outside int64, strings with
 * lone surrogates or NUL characters (Godot strings end at NUL). Throws
 * `MultiplayerError("PACKET_TOO_LARGE")` past `maxBytes`. Math components are rounded to f32.
 *
 * @example
 * ```ts
 * import { encodeVariant } from "./variant.ts";
 * import { Vector2 } from "./variant_types.ts";
 * console.log(encodeVariant(1)); // Uint8Array(8) [ 2, 0, 0, 0, 1, 0, 0, 0 ]
 * const bytes = encodeVariant({ name: "ann", at: new Vector2(1, 2), hp: [100, 2.5] });
 * console.log(bytes.length); // 92
 * ```
 */
export function encodeVariant(value: unknown, limits?: Partial<VariantLimits>): Uint8Array {
  const resolved = limitsOrThrow(limits);
  const writer = sharedWriter ?? new VariantWriter();
  sharedWriter = undefined;
  try {
    writer.resetOwned(resolved.maxBytes);
    new VariantEncoder(writer, resolved).encode(value);
    return writer.bytes.slice(0, writer.offset);
  } finally {
    sharedWriter = writer;
  }
}

/**
 * Encodes `value` into `target` starting at `offset` and returns the number of bytes written,
 * without allocating an output buffer. Throws like {@link encodeVariant}, and
 * `PACKET_TOO_LARGE` when the encoding does not fit in `target` (bytes from `offset` on may
 * then have been overwritten).
 *
 * @example
 * ```ts
 * import { encodeVariantInto } from "./variant.ts";
 * const packet = new Uint8Array(64);
 * packet[0] = 0xff; // a header of the caller's own
 * const written = encodeVariantInto([true, "hi"], packet, 1);
 * console.log(written); // 28
 * ```
 */
export function encodeVariantInto(
  value: unknown,
  target: Uint8Array,
  offset = 0,
  limits?: Partial<VariantLimits>,
): number {
  const resolved = limitsOrThrow(limits);
  if (!(target instanceof Uint8Array)) {
    throw new MultiplayerError("INVALID_ARGUMENT", "encodeVariantInto needs a Uint8Array target");
  }
  if (!Number.isSafeInteger(offset) || offset < 0 || offset > target.length) {
    throw new MultiplayerError(
      "INVALID_ARGUMENT",
      `encodeVariantInto: offset ${offset} is outside the ${target.length}-byte target`,
    );
  }
  const writer = new VariantWriter();
  writer.resetTarget(target, offset, resolved.maxBytes);
  try {
    new VariantEncoder(writer, resolved).encode(value);
    return writer.offset - offset;
  } finally {
    writer.release();
  }
}

/**
 * Decodes one Variant from the start of `bytes`. Never throws: malformed input, or input that
 * breaks `limits`, gives `{ ok: false, error }` with the reason and byte offset.
 *
 * - Bytes after the variant are not an error; `bytesRead` says where it ended (Godot's
 *   `get_var` also ignores them). Decode back-to-back variants with `bytes.subarray(bytesRead)`.
 * - Rejected: OBJECT (type 17; objects are never decoded), unknown type ids, unknown header or
 *   NodePath flag bits, BOOL other than 0/1, truncation (including missing padding), negative
 *   counts, duplicate dictionary keys, and strings that are not strict UTF-8 or contain NUL
 *   (Godot's own reader is laxer: it stops at NUL and admits surrogates and 5/6-byte forms).
 *   Padding bytes may hold anything, as Godot's NodePath writer leaves them unset.
 * - INT gives a number when it is a safe integer, else a bigint. REAL gives a number unless
 *   re-encoding that number would differ (a whole value, which would become INT, or a width
 *   other than the automatic one): then a {@link GodotFloat}. This keeps
 *   `encodeVariant(decoded)` byte-identical to every encoding `encodeVariant` produces.
 * - DICTIONARY gives a plain object (prototype `Object.prototype`; a `"__proto__"` key is an
 *   ordinary own property) when every key is a string that is not an array index such as
 *   `"7"` (JS would reorder those); otherwise a Map in wire order. Map keys that are REAL
 *   `-0` come back as GodotFloat, as a Map would fold them into 0.
 * - POOL_BYTE/INT/REAL_ARRAY give new Uint8Array / Int32Array / Float32Array copies.
 *
 * @example
 * ```ts
 * import { decodeVariant } from "./variant.ts";
 * const result = decodeVariant(new Uint8Array([2, 0, 0, 0, 1, 0, 0, 0]));
 * if (result.ok) console.log(result.value, result.bytesRead); // 1 8
 * const bad = decodeVariant(new Uint8Array([17, 0, 0, 0]));
 * if (!bad.ok) console.log(bad.error); // OBJECT at byte 0: objects are never decoded
 * ```
 */
export function decodeVariant(
  bytes: Uint8Array,
  limits?: Partial<VariantLimits>,
): DecodeVariantResult {
  if (!(bytes instanceof Uint8Array)) {
    return { ok: false, error: "decodeVariant needs a Uint8Array" };
  }
  const resolved = resolveVariantLimits(limits);
  if (typeof resolved === "string") return { ok: false, error: resolved };
  const decoder = new VariantDecoder(bytes, resolved);
  let value: unknown;
  try {
    value = decoder.decode();
  } catch (e) {
    // Only reachable with a maxDepth far above the default, when the JS stack runs out first.
    return { ok: false, error: `decoding failed: ${e instanceof Error ? e.message : String(e)}` };
  }
  if (value === FAILED) return { ok: false, error: decoder.error };
  return { ok: true, value, bytesRead: decoder.offset };
}
