/**
 * The public API is exactly this list: a rename, a removal or an accidental export fails here.
 * Value exports are checked at runtime; types too through `deno doc` (skipped, with the reason,
 * without --allow-run).
 */
import assert from "node:assert/strict";
import * as mod from "../mod.ts";

const VALUES = [
  "AABB",
  "addressKey",
  "Basis",
  "Color",
  "CompositeTransport",
  "CompressionMode",
  "ConnectionStatus",
  "CryptoError",
  "DatagramMultiplayerPeer",
  "decodeVariant",
  "DisconnectReason",
  "encodeVariant",
  "ENetMultiplayerPeer",
  "generateServerIdentity",
  "GodotFloat",
  "MixedMultiplayerPeer",
  "MultiplayerError",
  "MultiplayerPeerBase",
  "NodePath",
  "Plane",
  "PoolColorArray",
  "PoolStringArray",
  "PoolVector2Array",
  "PoolVector3Array",
  "publicKeyFromHex",
  "publicKeyToHex",
  "Quat",
  "Rect2",
  "RID",
  "systemClock",
  "TARGET_PEER_BROADCAST",
  "TARGET_PEER_SERVER",
  "TransferMode",
  "Transform",
  "Transform2D",
  "UdpMultiplayerPeer",
  "Vector2",
  "Vector3",
  "WebSocketClientTransport",
  "WebSocketMultiplayerPeer",
  "WebSocketServerTransport",
  "WS_DEFAULTS",
  "WsCloseCode",
];
const TYPES = [
  "AuthenticateHook",
  "AuthenticateInfo",
  "AuthenticateResult",
  "BurstLoss",
  "CarrierErrorDetail",
  "ClientSecurityOptions",
  "Clock",
  "ClosureCounts",
  "ConnectionTuning",
  "ConnectRate",
  "DatagramClientOptions",
  "DatagramHandler",
  "DatagramServerOptions",
  "DatagramTransport",
  "DecodeVariantResult",
  "ENetClientOptions",
  "ENetServerOptions",
  "FailureEventDetail",
  "GodotFloatWidth",
  "GodotPacing",
  "GodotWebSocketCounters",
  "LinkOptions",
  "MixedEnetOptions",
  "MixedServerOptions",
  "MixedWebSocketOptions",
  "MultiplayerErrorCode",
  "MultiplayerPeerEventMap",
  "MultiplayerPeerEventName",
  "NetworkedMultiplayerPeer",
  "PacketPeer",
  "PeerAddress",
  "PeerClosedHandler",
  "PeerEventDetail",
  "PeerOpenedHandler",
  "PeerStats",
  "PeerWritableHandler",
  "RateLimiterOptions",
  "ReceiveThreadOption",
  "RefusalCounts",
  "SerializedPublicKey",
  "ServerIdentity",
  "ServerLimitOptions",
  "ServerSecurityOptions",
  "SimulationOptions",
  "TimerHandle",
  "UdpClientOptions",
  "UdpServerOptions",
  "ValueCodec",
  "VariantLimits",
  "WebSocketClientPeerOptions",
  "WebSocketConnectOptions",
  "WebSocketListenerStats",
  "WebSocketListenOptions",
  "WebSocketRoute",
  "WebSocketServerOptions",
  "WebSocketServerPeerOptions",
  "WebSocketServingOptions",
  "WebSocketWire",
];

Deno.test("mod.ts: exactly these value exports", () => {
  assert.deepEqual(Object.keys(mod).sort(), [...VALUES].sort());
});

const canRun = Deno.permissions.querySync({ name: "run" }).state === "granted";
if (!canRun) console.warn("mod_exports_test: type exports skipped: needs --allow-run (deno doc)");

Deno.test({
  name: "mod.ts: exactly these exports, types included (deno doc)",
  ignore: !canRun,
  async fn() {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["doc", "--json", new URL("../mod.ts", import.meta.url).pathname],
      stdout: "piped",
      stderr: "null",
    }).output();
    assert.ok(out.success, "deno doc --json mod.ts runs");
    const doc = JSON.parse(new TextDecoder().decode(out.stdout)) as {
      nodes: Record<string, { symbols?: { name: string }[] }>;
    };
    const names = Object.values(doc.nodes).flatMap((m) => (m.symbols ?? []).map((s) => s.name));
    assert.deepEqual([...new Set(names)].sort(), [...VALUES, ...TYPES].sort());
  },
});
