/**
 * Real Godot ENet sessions in every compression mode, through a relay that re-encodes every
 * datagram with our compressors: a godot3-server client sends assorted reliable packets (small,
 * large, fragmented; compressible and not) to a godot3-server server that echoes them back.
 *
 * For each datagram the relay decompresses Godot's body with ours (it must parse as ENet
 * commands), recompresses it with ours and forwards our version, flagging it compressed only
 * when ours is strictly smaller. The session completing proves Godot's ENet accepts ours; for
 * the range coder and FastLZ the relay also requires our bytes (and our decision whether to
 * compress) to equal Godot's.
 *
 * Needs godot3-server and --allow-run --allow-read --allow-write --allow-env --allow-net
 * --unstable-net; otherwise the test reports itself skipped with the reason.
 */
import assert from "node:assert/strict";
import * as zlib from "node:zlib";
import {
  CompressionMode,
  createCompressor,
  type DatagramCompressor,
} from "../../protocol/compression/mod.ts";
import { commandBytes, FLAG_COMPRESSED, headerSize, isCompressed } from "./_enet_datagram.ts";
import { findGodot, spawnGodot } from "./_godot.ts";
import { freeUdpPort, UdpRelay } from "./_udp_relay.ts";

/** ENet's receive buffer: its maximum MTU. */
const ENET_MAXIMUM_MTU = 4096;
const PACKETS = 32;
const SCRIPT = new URL("./godot_enet_peer.gd", import.meta.url);

function skipReason(): string | undefined {
  for (const name of ["run", "read", "write", "env", "net"] as const) {
    if (Deno.permissions.querySync({ name }).state !== "granted") {
      return `needs --allow-run --allow-read --allow-write --allow-env --allow-net (missing ${name})`;
    }
  }
  if (typeof Deno.listenDatagram !== "function") return "needs --unstable-net";
  if (!findGodot()) return "godot3-server not found in PATH (apt-get install godot3-server)";
  return undefined;
}

const skip = skipReason();
if (skip) console.warn(`godot_enet_wire_test: skipped: ${skip}`);

interface WireStats {
  godotCompressed: [number, number];
  godotPlain: number;
  oursCompressed: number;
  problems: string[];
}

/** Re-encodes one datagram with our compressor and checks Godot's encoding on the way. */
function reencoder(mode: CompressionMode, stats: WireStats) {
  const compressor: DatagramCompressor = createCompressor(mode, zlib)!;
  const exact = mode === CompressionMode.RANGE_CODER || mode === CompressionMode.FASTLZ;
  const plain = new Uint8Array(ENET_MAXIMUM_MTU);
  const packed = new Uint8Array(ENET_MAXIMUM_MTU);
  return (datagram: Uint8Array, toServer: boolean): Uint8Array => {
    const where = `${toServer ? "client->server" : "server->client"} ${datagram.length} B`;
    const header = headerSize(datagram);
    let body: Uint8Array;
    if (isCompressed(datagram)) {
      stats.godotCompressed[toServer ? 0 : 1]++;
      const n = compressor.decompress(
        datagram.subarray(header),
        plain.subarray(0, ENET_MAXIMUM_MTU - header),
      );
      const used = n > 0 ? commandBytes(plain.subarray(0, n)) : undefined;
      if (used === undefined) {
        stats.problems.push(`${where}: Godot's body does not decompress to commands (${n})`);
        return datagram;
      }
      body = plain.slice(0, used);
    } else {
      stats.godotPlain++;
      body = datagram.slice(header);
    }
    const n = compressor.compress(body, packed);
    const out = new Uint8Array(header + (n > 0 ? n : body.length));
    out.set(datagram.subarray(0, header));
    if (n > 0) {
      stats.oursCompressed++;
      out[0] |= FLAG_COMPRESSED >> 8;
      out.set(packed.subarray(0, n), header);
    } else {
      out[0] &= ~(FLAG_COMPRESSED >> 8);
      out.set(body, header);
    }
    if (
      exact && !out.every((b, i) => b === datagram[i]) || exact && out.length !== datagram.length
    ) {
      stats.problems.push(`${where}: our re-encoding differs from Godot's`);
    }
    return out;
  };
}

async function session(mode: CompressionMode): Promise<WireStats> {
  const stats: WireStats = {
    godotCompressed: [0, 0],
    godotPlain: 0,
    oursCompressed: 0,
    problems: [],
  };
  const serverPort = freeUdpPort();
  const server = await spawnGodot(SCRIPT, {
    "config.txt": `server ${mode} ${serverPort} ${PACKETS}`,
  });
  let relay: UdpRelay | undefined;
  try {
    await server.waitFor("ready");
    relay = new UdpRelay(serverPort, reencoder(mode, stats));
    const client = await spawnGodot(SCRIPT, {
      "config.txt": `client ${mode} ${relay.port} ${PACKETS}`,
    });
    const clientResult = await client.finish(30_000);
    assert.ok(
      clientResult.success && clientResult.output.includes(`done ${PACKETS}`),
      `client:\n${clientResult.output}`,
    );
  } finally {
    const serverResult = await server.finish(10_000);
    await relay?.close();
    assert.ok(
      serverResult.success && serverResult.output.includes("done"),
      `server:\n${serverResult.output}`,
    );
  }
  return stats;
}

Deno.test({
  name: "godot enet wire: every compression mode interoperates with real Godot ENet peers",
  ignore: skip !== undefined,
  async fn(t) {
    for (const [name, mode] of Object.entries(CompressionMode)) {
      if (mode === CompressionMode.NONE) continue;
      await t.step(name, async () => {
        const stats = await session(mode);
        assert.deepEqual(stats.problems, []);
        assert.ok(
          stats.godotCompressed[0] > 5 && stats.godotCompressed[1] > 5,
          JSON.stringify(stats),
        );
        assert.ok(stats.godotPlain > 0 && stats.oursCompressed > 10, JSON.stringify(stats));
      });
    }
  },
});
