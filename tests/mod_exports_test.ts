/**
 * The public API is exactly this list: a rename, a removal or an accidental export fails here.
 * Value exports are checked at runtime; types too through `deno doc` (skipped, with the reason,
 * without --allow-run).
 */
import assert from "node:assert/strict";
import * as mod from "../mod.ts";

const VALUES = [
  "AABB",
  "Basis",
  "Color",
  "CompressionMode",
  "ENetMultiplayerPeer",
  "GodotFloat",
  "NodePath",
  "Plane",
  "PoolColorArray",
  "PoolStringArray",
  "PoolVector2Array",
  "PoolVector3Array",
  "Quat",
  "Rect2",
  "RID",
  "Transform",
  "Transform2D",
  "Vector2",
  "Vector3",
  "decodeVariant",
  "encodeVariant",
  "CompositeTransport",
  "ConnectionStatus",
  "CryptoError",
  "DatagramMultiplayerPeer",
  "DisconnectReason",
  "MultiplayerError",
  "MultiplayerPeerBase",
  "TARGET_PEER_BROADCAST",
  "TARGET_PEER_SERVER",
  "TransferMode",
  "UdpMultiplayerPeer",
  "WS_DEFAULTS",
  "WebSocketClientTransport",
  "WebSocketMultiplayerPeer",
  "WebSocketServerTransport",
  "WsCloseCode",
  "addressKey",
  "generateServerIdentity",
  "publicKeyFromHex",
  "publicKeyToHex",
  "systemClock",
];
const TYPES = [
  "DecodeVariantResult",
  "ENetClientOptions",
  "ENetServerOptions",
  "GodotFloatWidth",
  "ValueCodec",
  "VariantLimits",
  "AuthenticateHook",
  "AuthenticateInfo",
  "AuthenticateResult",
  "BurstLoss",
  "CarrierErrorDetail",
  "ClientSecurityOptions",
  "Clock",
  "ConnectionTuning",
  "DatagramClientOptions",
  "DatagramHandler",
  "DatagramServerOptions",
  "DatagramTransport",
  "FailureEventDetail",
  "LinkOptions",
  "MultiplayerErrorCode",
  "MultiplayerPeerEventMap",
  "MultiplayerPeerEventName",
  "NetworkedMultiplayerPeer",
  "PacketPeer",
  "PeerAddress",
  "PeerClosedHandler",
  "PeerEventDetail",
  "PeerStats",
  "RateLimiterOptions",
  "SerializedPublicKey",
  "ServerIdentity",
  "ServerLimitOptions",
  "ServerSecurityOptions",
  "SimulationOptions",
  "TimerHandle",
  "UdpClientOptions",
  "UdpServerOptions",
  "WebSocketClientPeerOptions",
  "WebSocketConnectOptions",
  "WebSocketListenOptions",
  "WebSocketServerOptions",
  "WebSocketServerPeerOptions",
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
