/**
 * Cost of `encryption: true`: the same loopback transfer (reliable 1000-byte packets, client ->
 * server) with and without encryption, plus the handshake time.
 *
 * Run: deno run --allow-net --unstable-net bench/crypto_bench.ts [packets]
 *
 * @module
 */
import { UdpMultiplayerPeer } from "../mod.ts";

const PACKETS = Number(Deno.args[0] ?? 20_000);
const SIZE = 1000;

async function run(encryption: boolean): Promise<{ connectMs: number; ms: number }> {
  const server = new UdpMultiplayerPeer();
  await server.createServer(0, { bindAddress: "127.0.0.1", encryption });
  const client = new UdpMultiplayerPeer();
  const t0 = performance.now();
  await client.createClient("127.0.0.1", server.localPort, {
    encryption,
    allowUnauthenticatedServer: encryption, // measures the cipher, not key pinning
  });
  while (client.getConnectionStatus() === 1) await Promise.all([client.poll(5), server.poll(5)]);
  const connectMs = performance.now() - t0;
  const payload = new Uint8Array(SIZE);
  client.setTargetPeer(1);
  const t1 = performance.now();
  let sent = 0, got = 0;
  while (got < PACKETS) {
    // keep ~512 packets in flight so the send queue stays bounded
    while (sent < PACKETS && sent - got < 512) {
      client.putPacket(payload.slice());
      sent++;
    }
    await Promise.all([server.poll(1), client.poll(0)]);
    while (server.getAvailablePacketCount() > 0) {
      server.getPacket();
      got++;
    }
  }
  const ms = performance.now() - t1;
  await client.close();
  await server.close();
  return { connectMs, ms };
}

for (const encryption of [false, true, false, true]) {
  const { connectMs, ms } = await run(encryption);
  const mbps = (PACKETS * SIZE * 8) / (ms * 1000);
  console.log(
    `${encryption ? "encrypted" : "plain    "}: connect ${connectMs.toFixed(1)} ms, ` +
      `${PACKETS} x ${SIZE} B in ${ms.toFixed(0)} ms = ${(PACKETS / ms * 1000).toFixed(0)} ` +
      `packets/s, ${mbps.toFixed(1)} Mbit/s`,
  );
}
