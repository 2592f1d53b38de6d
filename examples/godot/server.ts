/**
 * A Deno server on Godot 3's ENet wire for the Godot project beside this file: it greets every
 * client that joins and echoes every value it receives (Godot Variants, as `put_var` sends them).
 *
 *   deno run --allow-net --unstable-net examples/godot/server.ts [--port=7000]
 *
 * Then run the Godot project (examples/godot/) with Godot 3.2, e.g. headless:
 * `godot3-server --no-window --path examples/godot`.
 *
 * @module
 */
import { ENetMultiplayerPeer, TransferMode } from "../../mod.ts";

/** A running example server. */
export interface ExampleServer {
  /** The UDP port it listens on. */
  readonly port: number;
  /** Closes it (every client is told) and ends its loop. */
  stop(): Promise<void>;
}

/**
 * Starts the greeting and echoing server on `port` (0 = any free one) of `bindAddress` (default
 * every interface); `log` gets one line per thing that happens.
 *
 * @example
 * ```ts
 * import { startExampleServer } from "./server.ts";
 * const server = await startExampleServer(0, () => {}, "127.0.0.1");
 * console.log(server.port > 0); // true
 * await server.stop();
 * ```
 */
export async function startExampleServer(
  port: number,
  log: (line: string) => void = console.log,
  bindAddress = "0.0.0.0",
): Promise<ExampleServer> {
  const peer = new ENetMultiplayerPeer();
  peer.transferMode = TransferMode.RELIABLE;
  peer.addEventListener("peer_connected", (e) => {
    const id = e.detail.id;
    log(`peer ${id} joined`);
    peer.setTargetPeer(id);
    peer.putVar({ greeting: "welcome to the Deno server", id });
  });
  peer.addEventListener("peer_disconnected", (e) => log(`peer ${e.detail.id} left`));
  await peer.createServer(port, { bindAddress });
  log(`listening on UDP port ${peer.localPort}`);
  let running = true;
  const loop = (async () => {
    while (running) {
      await peer.poll(100);
      while (peer.getAvailablePacketCount() > 0) {
        const from = peer.getPacketPeer();
        const value = peer.getVar();
        if (value === undefined) {
          log(`peer ${from} sent something that is no Variant: ${peer.getPacketError()}`);
          continue;
        }
        log(`peer ${from} sent ${JSON.stringify(value)}`);
        peer.setTargetPeer(from);
        peer.putVar({ echo: value });
      }
    }
  })();
  return {
    port: peer.localPort,
    async stop() {
      running = false;
      await loop;
      await peer.close();
    },
  };
}

if (import.meta.main) {
  const arg = Deno.args.find((a) => a.startsWith("--port="));
  await startExampleServer(arg ? Number(arg.slice("--port=".length)) : 7000);
}
