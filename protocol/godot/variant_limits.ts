/** Bounds applied by the Godot Variant encoder and decoder. @module */

/**
 * Bounds on one encoded variant. The same limits apply to encoding (a violation throws) and
 * to decoding (a violation is an error result).
 */
export interface VariantLimits {
  /**
   * Deepest allowed nesting of ARRAY / DICTIONARY values: a scalar is at depth 0, `[1]` has
   * depth 1, `[[1]]` depth 2.
   */
  maxDepth: number;
  /**
   * Most elements in one variant, counted over every nesting level: each array element, each
   * dictionary entry (a key and its value) and each string of a POOL_STRING_ARRAY counts once.
   * Numeric pools are bounded by `maxBytes` alone.
   */
  maxItems: number;
  /**
   * Largest encoding in bytes. The encoder refuses to produce more; the decoder refuses a
   * variant that would extend past this many bytes of its input.
   */
  maxBytes: number;
}

/**
 * The defaults: depth 32, 65 536 items, 8 MiB (Godot's own `PacketPeer.put_var` refuses to
 * encode more than 8 MiB by default).
 *
 * @example
 * ```ts
 * import { DEFAULT_VARIANT_LIMITS } from "./variant_limits.ts";
 * console.log(DEFAULT_VARIANT_LIMITS.maxDepth); // 32
 * ```
 */
export const DEFAULT_VARIANT_LIMITS: Readonly<VariantLimits> = Object.freeze({
  maxDepth: 32,
  maxItems: 65_536,
  maxBytes: 8 * 1024 * 1024,
});

/**
 * Merges `limits` over the defaults and checks each is a non-negative integer; returns the
 * resolved limits or a message naming the bad field.
 *
 * @example
 * ```ts
 * import { resolveVariantLimits } from "./variant_limits.ts";
 * const limits = resolveVariantLimits({ maxDepth: 4 });
 * console.log(typeof limits === "string" ? limits : limits.maxDepth); // 4
 * ```
 */
export function resolveVariantLimits(
  limits: Partial<VariantLimits> | undefined,
): Readonly<VariantLimits> | string {
  if (limits === undefined) return DEFAULT_VARIANT_LIMITS;
  const resolved: VariantLimits = {
    maxDepth: limits.maxDepth ?? DEFAULT_VARIANT_LIMITS.maxDepth,
    maxItems: limits.maxItems ?? DEFAULT_VARIANT_LIMITS.maxItems,
    maxBytes: limits.maxBytes ?? DEFAULT_VARIANT_LIMITS.maxBytes,
  };
  for (const name of ["maxDepth", "maxItems", "maxBytes"] as const) {
    const value = resolved[name];
    if (!Number.isSafeInteger(value) || value < 0) {
      return `limits.${name} must be a non-negative integer, got ${String(value)}`;
    }
  }
  return resolved;
}
