/**
 * Godot 3.2 on the wire: the Variant binary codec (what `put_var` / `get_var`, `var2bytes` and
 * RPC arguments use), and the session host's plug-in wires for Godot's two multiplayer framings:
 * NetworkedMultiplayerENet's over ENet, and WebSocketMultiplayerPeer's over WebSocket.
 *
 * @example
 * ```ts
 * import { decodeVariant, encodeVariant, Vector2 } from "./mod.ts";
 * const bytes = encodeVariant({ pos: new Vector2(1, 2), hp: 10 });
 * const r = decodeVariant(bytes);
 * console.log(r.ok && (r.value as { hp: number }).hp); // 10
 * ```
 *
 * @module
 */
export {
  decodeVariant,
  type DecodeVariantResult,
  DEFAULT_VARIANT_LIMITS,
  encodeVariant,
  encodeVariantInto,
  type VariantLimits,
  VariantType,
  variantTypeName,
} from "./variant.ts";
export * from "./variant_types.ts";
export { GODOT_VARIANTS } from "./variant_codec.ts";
export { godotEnetWire, type GodotEnetWireOptions } from "./enet_wire.ts";
export * from "./enet_framing.ts";
export {
  DEFAULT_GODOT_PACING,
  type GodotPacing,
  type GodotWebSocketCounters,
  godotWebSocketWire,
  type GodotWebSocketWireOptions,
  newGodotWebSocketCounters,
} from "./ws_wire.ts";
export * from "./ws_framing.ts";
