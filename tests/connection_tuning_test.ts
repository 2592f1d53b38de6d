/**
 * `maxWindowBytes` on the create calls: validated with a typed error, and a larger value lets the
 * congestion window of a long-RTT path grow past the 64 KiB default (virtual network and clock).
 */
import assert from "node:assert/strict";
import {
  ConnectionStatus,
  DatagramMultiplayerPeer,
  MultiplayerError,
  TransferMode,
  UdpMultiplayerPeer,
} from "../mod.ts";
import { DEFAULT_MAX_WINDOW_BYTES } from "../protocol/connection/options.ts";
import { VirtualNetwork } from "../transport/sim/virtual_network.ts";

const invalid = (e: unknown) => e instanceof MultiplayerError && e.code === "INVALID_ARGUMENT";

Deno.test("maxWindowBytes: out-of-range values throw INVALID_ARGUMENT before anything starts", async () => {
  const net = new VirtualNetwork();
  const peer = new DatagramMultiplayerPeer();
  for (const bad of [100, 1.5, 2 ** 31, NaN, -1]) {
    assert.throws(
      () => peer.createServer(net.createTransport(), { maxWindowBytes: bad }),
      (e) => invalid(e) && /maxWindowBytes/.test((e as Error).message),
    );
    assert.throws(
      () =>
        peer.createClient(net.createTransport(), { hostname: "x", port: 1 }, {
          maxWindowBytes: bad,
        }),
      invalid,
    );
  }
  assert.equal(peer.getConnectionStatus(), ConnectionStatus.DISCONNECTED);
  const udp = new UdpMultiplayerPeer();
  await assert.rejects(
    udp.createServer(0, { bindAddress: "127.0.0.1", maxWindowBytes: 10 }),
    invalid,
  );
  await assert.rejects(udp.createClient("127.0.0.1", 9, { maxWindowBytes: 1e12 }), invalid);
  // the failed calls left the peer reusable
  peer.createServer(net.createTransport(), { maxWindowBytes: 1 << 20 });
  assert.equal(peer.getConnectionStatus(), ConnectionStatus.CONNECTED);
  await peer.close();
});

/** Largest congestion window a bulk sender reaches over a 200 ms RTT path in 6 virtual s. */
async function peakWindow(maxWindowBytes: number | undefined): Promise<number> {
  const net = new VirtualNetwork({ seed: 3, link: { latencyMs: 100 } });
  const clock = net.clock;
  const server = new DatagramMultiplayerPeer();
  const client = new DatagramMultiplayerPeer();
  const serverTransport = net.createTransport();
  server.createServer(serverTransport, { clock, maxWindowBytes });
  client.createClient(net.createTransport(), serverTransport.localAddress, {
    clock,
    maxWindowBytes,
  });
  let peak = 0, received = 0;
  const chunk = new Uint8Array(1000);
  const tick = () => {
    server.poll(0); // makes packets available synchronously
    client.poll(0); // dispatches connection_succeeded: the status moves in poll()
    while (server.getPacket()) received++;
    if (client.getConnectionStatus() === ConnectionStatus.CONNECTED) {
      client.transferMode = TransferMode.RELIABLE;
      client.setTargetPeer(1);
      // keep ~512 KiB queued: the window, not the application, limits the flight
      for (let i = 0; i < 512 && client.getPeerStats(1).queuedBytes < 512 * 1024; i++) {
        client.putPacket(chunk);
      }
      peak = Math.max(peak, client.getPeerStats(1).congestionWindow);
    }
    clock.setTimer(tick, 5);
  };
  clock.setTimer(tick, 0);
  try {
    await clock.runUntilAsync(6_000);
    assert.equal(client.getConnectionStatus(), ConnectionStatus.CONNECTED);
    assert.ok(received > 100, `the transfer ran (${received} packets)`);
    return peak;
  } finally {
    await client.close();
    await server.close();
  }
}

Deno.test("maxWindowBytes: a larger cap lets the window grow on a long-RTT path", async () => {
  const base = await peakWindow(undefined);
  assert.ok(base <= DEFAULT_MAX_WINDOW_BYTES, `default cap holds: ${base}`);
  assert.ok(base >= DEFAULT_MAX_WINDOW_BYTES / 2, `default window opened: ${base}`);
  const big = await peakWindow(1 << 20);
  assert.ok(big > 4 * DEFAULT_MAX_WINDOW_BYTES, `1 MiB cap: window reached ${big}`);
  assert.ok(big <= 1 << 20, `1 MiB cap holds: ${big}`);
});
