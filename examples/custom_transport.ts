/**
 * Plugging your own carrier into the multiplayer peer: an in-memory pair of endpoints that
 * implements `DatagramTransport` (see `memory_transport.ts`, ~40 lines). Run:
 * `deno run examples/custom_transport.ts`.
 *
 * @module
 */
import { DatagramMultiplayerPeer, TransferMode } from "../mod.ts";
import { memoryPair } from "./memory_transport.ts";

const [serverEnd, clientEnd] = memoryPair("game");

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
