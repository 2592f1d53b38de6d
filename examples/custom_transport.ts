/**
 * Plugging your own carrier into the multiplayer peer: an in-memory pair of endpoints that
 * implements `DatagramTransport`. Run: `deno run examples/custom_transport.ts`.
 *
 * @module
 */
import {
  type DatagramHandler,
  DatagramMultiplayerPeer,
  type DatagramTransport,
  type PeerAddress,
  TransferMode,
} from "../mod.ts";

/** One end of an in-memory link; replace the body of `send` with your WebRTC/serial/... code. */
class MemoryEnd implements DatagramTransport {
  readonly maxDatagramSize = 1200;
  readonly reliable = false; // the peer adds acks, retransmission and ordering on top
  other?: MemoryEnd;
  #handler?: DatagramHandler;
  constructor(readonly localAddress: PeerAddress) {}
  listen(handler: DatagramHandler): void {
    this.#handler = handler;
  }
  send(bytes: Uint8Array, _to: PeerAddress): boolean {
    const to = this.other, from = this.localAddress;
    if (to === undefined) return false;
    queueMicrotask(() => to.#handler?.(bytes, from)); // deliver asynchronously, like a network
    return true;
  }
  close(): Promise<void> {
    this.#handler = undefined;
    return Promise.resolve();
  }
}

const serverEnd = new MemoryEnd({ hostname: "server", port: 1, transport: "memory" });
const clientEnd = new MemoryEnd({ hostname: "client", port: 1, transport: "memory" });
serverEnd.other = clientEnd;
clientEnd.other = serverEnd;

const server = new DatagramMultiplayerPeer();
server.addEventListener(
  "peer_connected",
  (e) => console.log("server: peer", e.detail.id, "joined"),
);
server.createServer(serverEnd);

const client = new DatagramMultiplayerPeer();
client.createClient(clientEnd, serverEnd.localAddress);
while (client.getConnectionStatus() === 1) await client.poll(100);
console.log("client: connected with id", client.getUniqueId());

client.transferMode = TransferMode.RELIABLE;
client.setTargetPeer(1);
client.putVar({ hello: "over my own carrier" });
while (server.getAvailablePacketCount() === 0) await server.poll(100);
const from = server.getPacketPeer(); // ask before getVar(): it refers to the next packet
console.log("server: got", server.getVar(), "from", from);

await client.close();
await server.close();
