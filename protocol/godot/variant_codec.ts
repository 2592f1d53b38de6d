/**
 * Godot's Variant encoding as a peer's value codec: what `putVar` / `getVar` send on Godot's
 * wires, so GDScript's `get_var()` reads what we put and the reverse.
 *
 * @module
 */
import { decodeVariant, encodeVariant } from "./variant.ts";

/**
 * Encode / decode of one value per packet with Godot 3.2's Variant binary format.
 *
 * @example
 * ```ts
 * import { GODOT_VARIANTS } from "./variant_codec.ts";
 * const bytes = GODOT_VARIANTS.encode({ hp: 10 });
 * console.log(GODOT_VARIANTS.decode(bytes)); // { ok: true, value: { hp: 10 }, bytesRead: 24 }
 * ```
 */
export const GODOT_VARIANTS: {
  encode(value: unknown): Uint8Array;
  decode(bytes: Uint8Array): { ok: true; value: unknown } | { ok: false; error: string };
} = {
  encode: (value) => encodeVariant(value),
  decode: (bytes) => decodeVariant(bytes),
};
