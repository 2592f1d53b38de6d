/**
 * Example server for the browser page: one `Deno.serve` serves the page, its bundled client and
 * the multiplayer endpoint at `/ws`, and the same session also accepts UDP clients.
 *
 * Run: `deno task bundle:browser && deno task example:browser`, then open http://localhost:8080/
 * in two tabs (and optionally join with a `UdpMultiplayerPeer` on UDP port 8081).
 *
 * @module
 */
import { WebSocketMultiplayerPeer } from "../../transport/peers/websocket_peer.ts";

/**
 * Options of {@link serveExample}.
 *
 * @example
 * ```ts
 * import type { ExampleServerOptions } from "./serve.ts";
 * const o: ExampleServerOptions = { port: 8080, udpPort: 8081 };
 * ```
 */
export interface ExampleServerOptions {
  /** HTTP/WebSocket port (0 = ephemeral). */
  readonly port: number;
  /** UDP port of the same session (0 = ephemeral). */
  readonly udpPort: number;
  /** Interface to bind (default 127.0.0.1). */
  readonly hostname?: string;
  /** Path of the bundled client (default: `client.js` next to this file). */
  readonly clientJs?: string | URL;
}

/**
 * A running example server.
 *
 * @example
 * ```ts ignore
 * import { type ExampleServer, serveExample } from "./serve.ts";
 * const s: ExampleServer = await serveExample({ port: 0, udpPort: 0 });
 * await s.close();
 * ```
 */
export interface ExampleServer {
  /** The multiplayer server peer (id 1). */
  readonly peer: WebSocketMultiplayerPeer;
  /** Bound HTTP port. */
  readonly port: number;
  /** Bound UDP port. */
  readonly udpPort: number;
  /** Stops HTTP, the session and every socket. */
  close(): Promise<void>;
}

/**
 * Starts the example server.
 *
 * @example
 * ```ts ignore
 * import { serveExample } from "./serve.ts";
 * const server = await serveExample({ port: 0, udpPort: 0 });
 * console.log(`open http://127.0.0.1:${server.port}/`);
 * await server.close();
 * ```
 */
export async function serveExample(options: ExampleServerOptions): Promise<ExampleServer> {
  const hostname = options.hostname ?? "127.0.0.1";
  const page = await Deno.readFile(new URL("./index.html", import.meta.url));
  const script = await Deno.readFile(options.clientJs ?? new URL("./client.js", import.meta.url));
  const peer = new WebSocketMultiplayerPeer();
  await peer.createEmbeddedServer({ bindAddress: hostname, udpPort: options.udpPort });
  const bound = Promise.withResolvers<void>();
  const http = Deno.serve({ hostname, port: options.port, onListen: () => bound.resolve() }, (
    request,
    info,
  ) => {
    const { pathname } = new URL(request.url);
    if (pathname === "/ws") return peer.handleUpgrade(request, info);
    if (pathname === "/") return new Response(page, { headers: { "content-type": "text/html" } });
    if (pathname === "/client.js") {
      return new Response(script, { headers: { "content-type": "text/javascript" } });
    }
    return new Response("not found", { status: 404 });
  });
  await bound.promise;
  return {
    peer,
    port: http.addr.port,
    udpPort: peer.udpPort,
    async close() {
      await peer.close();
      await http.shutdown();
    },
  };
}

if (import.meta.main) {
  const server = await serveExample({ port: 8080, udpPort: 8081 });
  console.log(`http://127.0.0.1:${server.port}/ (UDP clients: port ${server.udpPort})`);
  server.peer.addEventListener("peer_connected", (e) => console.log("joined", e.detail.id));
  server.peer.addEventListener("peer_disconnected", (e) => console.log("left", e.detail.id));
  const decoder = new TextDecoder();
  for (;;) {
    await server.peer.poll(1000);
    while (server.peer.getAvailablePacketCount() > 0) {
      const from = server.peer.getPacketPeer();
      console.log(`${from}: ${decoder.decode(server.peer.getPacket())}`);
    }
  }
}
