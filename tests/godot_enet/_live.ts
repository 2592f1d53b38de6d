/**
 * A Deno `ENetMultiplayerPeer` kept alive in the background for tests that also drive real
 * Godot puppets: the shared live peer (`../helpers/live_peer.ts`) with ENet constructors.
 *
 * @module
 */
import { ENetMultiplayerPeer } from "../../mod.ts";
import { LivePeer as AnyLivePeer, stopLive } from "../helpers/live_peer.ts";

export type { LiveEvent, LivePacket } from "../helpers/live_peer.ts";

/**
 * An ENet peer pumped in the background. Create it with {@link LivePeer.server} or
 * {@link LivePeer.client}; `stop()` ends the pump and closes the peer.
 *
 * @example
 * ```ts
 * import { LivePeer } from "./_live.ts";
 * const server = await LivePeer.server(0);
 * const client = await LivePeer.client(server.peer.localPort);
 * await client.waitEvent("connection_succeeded");
 * await client.stop();
 * await server.stop();
 * ```
 */
export class LivePeer extends AnyLivePeer<ENetMultiplayerPeer> {
  constructor(label: string, peer: ENetMultiplayerPeer = new ENetMultiplayerPeer()) {
    super(label, peer);
  }

  /** A server on 127.0.0.1:`port` (0 = any), configured by `setup` before creating. */
  static async server(
    port = 0,
    options: Parameters<ENetMultiplayerPeer["createServer"]>[1] = {},
    setup?: (peer: ENetMultiplayerPeer) => void,
    label = "deno-server",
  ): Promise<LivePeer> {
    const live = new LivePeer(label);
    setup?.(live.peer);
    await live.peer.createServer(port, { bindAddress: "127.0.0.1", ...options });
    return live.start();
  }

  /** A client of `address`:`port`, configured by `setup` before creating. */
  static async client(
    port: number,
    options: Parameters<ENetMultiplayerPeer["createClient"]>[2] = {},
    setup?: (peer: ENetMultiplayerPeer) => void,
    label = "deno-client",
    address = "127.0.0.1",
  ): Promise<LivePeer> {
    const live = new LivePeer(label);
    setup?.(live.peer);
    await live.peer.createClient(address, port, options);
    return live.start();
  }
}

/**
 * Stops every live peer (in parallel), even if some fail.
 *
 * @example
 * ```ts
 * import { stopAll } from "./_live.ts";
 * await stopAll([]);
 * ```
 */
export const stopAll: (peers: (LivePeer | undefined)[]) => Promise<void> = stopLive;
