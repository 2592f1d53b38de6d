/**
 * WebSocket (and mixed UDP + WebSocket) sessions on loopback for tests, built on the recorders
 * and pumps of `udp_session.ts`.
 *
 * @module
 */
import { type MultiplayerPeerBase, UdpMultiplayerPeer } from "../../mod.ts";
import {
  WebSocketMultiplayerPeer,
  type WebSocketServerPeerOptions,
} from "../../transport/peers/websocket_peer.ts";
import { awaitJoined, record, type Recorded } from "./udp_session.ts";

/**
 * Which carrier each client uses.
 *
 * @example
 * ```ts
 * import type { ClientKind } from "./ws_session.ts";
 * const kinds: ClientKind[] = ["udp", "ws"];
 * ```
 */
export type ClientKind = "ws" | "udp";

/**
 * Options of {@link startWsSession}.
 *
 * @example
 * ```ts
 * import type { WsSessionOptions } from "./ws_session.ts";
 * const o: WsSessionOptions = { kinds: ["ws", "udp"], serverRelay: false };
 * ```
 */
export interface WsSessionOptions {
  /** One entry per client (default three WebSocket clients). */
  readonly kinds?: readonly ClientKind[];
  /** Server options; `udpPort: 0` is added when a UDP client is requested. */
  readonly server?: WebSocketServerPeerOptions;
  /** Server relay (default on). */
  readonly serverRelay?: boolean;
  /** Timeout of every peer. */
  readonly timeoutMs?: number;
}

/**
 * A server (WebSocket, plus UDP when asked) and connected clients on 127.0.0.1.
 *
 * @example
 * ```ts ignore
 * import { startWsSession } from "./ws_session.ts";
 * import { closeAll } from "./udp_session.ts";
 * const { all } = await startWsSession({ kinds: ["ws", "udp"] });
 * await closeAll(all);
 * ```
 */
export async function startWsSession(o: WsSessionOptions = {}): Promise<{
  server: Recorded<WebSocketMultiplayerPeer>;
  clients: Recorded<MultiplayerPeerBase>[];
  all: Recorded<MultiplayerPeerBase>[];
}> {
  const kinds = o.kinds ?? ["ws", "ws", "ws"];
  const server = record(new WebSocketMultiplayerPeer());
  if (o.serverRelay !== undefined) server.peer.serverRelay = o.serverRelay;
  if (o.timeoutMs !== undefined) server.peer.timeoutMs = o.timeoutMs;
  const udpPort = kinds.includes("udp") ? 0 : undefined;
  await server.peer.createServer(0, { bindAddress: "127.0.0.1", udpPort, ...o.server });
  const clients: Recorded<MultiplayerPeerBase>[] = [];
  for (const kind of kinds) {
    const c = record<MultiplayerPeerBase>(
      kind === "ws" ? new WebSocketMultiplayerPeer() : new UdpMultiplayerPeer(),
    );
    if (o.timeoutMs !== undefined) c.peer.timeoutMs = o.timeoutMs;
    if (c.peer instanceof WebSocketMultiplayerPeer) {
      await c.peer.createClient(`ws://127.0.0.1:${server.peer.localPort}/`);
    } else {
      await (c.peer as UdpMultiplayerPeer).createClient("127.0.0.1", server.peer.udpPort);
    }
    clients.push(c);
  }
  await awaitJoined(server, clients);
  return { server, clients, all: [server, ...clients] };
}
