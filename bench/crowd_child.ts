/**
 * The 1000-client scenario: `crowd-server` broadcasts 20 Hz snapshots and receives inputs;
 * `crowd-clients` hosts every client peer in one process, each sending 20 Hz inputs. Times are
 * wall-clock stamps (same machine), latency is reported in ticks of 50 ms.
 *
 * @module
 */
import process from "node:process";
import { emit, hardDeadline, listenCommands, readConfig, wallNow } from "./lib/child_io.ts";
import { quantile, Samples } from "./lib/stats.ts";
import {
  TARGET_PEER_BROADCAST,
  TARGET_PEER_SERVER,
  TransferMode,
  UdpMultiplayerPeer,
} from "../mod.ts";

/**
 * Configuration of a crowd child.
 *
 * @example
 * ```ts
 * import type { CrowdConfig } from "./crowd_child.ts";
 * let value: CrowdConfig | undefined;
 * ```
 */
export interface CrowdConfig {
  /** Which side. */
  readonly role: "crowd-server" | "crowd-clients";
  /** Number of clients. */
  readonly clients: number;
  /** Server port (clients). */
  readonly port?: number;
  /** Input size in bytes (64). */
  readonly inputSize?: number;
  /** Snapshot size in bytes. */
  readonly snapshotSize?: number;
  /** Hard deadline for the process. */
  readonly deadlineMs?: number;
}

const TICK_MS = 50;
const config = readConfig<CrowdConfig>();
hardDeadline(config.deadlineMs ?? 120_000, config.role);
const gc = (globalThis as { gc?: () => void }).gc;
let running = true;
const peers: UdpMultiplayerPeer[] = [];
const onCommand: ((c: { cmd: string; [k: string]: unknown }) => void)[] = [];
listenCommands((c) => onCommand.forEach((f) => f(c)), async () => {
  running = false;
  await Promise.all(peers.map((p) => p.close()));
});

function memory(): Deno.MemoryUsage {
  gc?.();
  return Deno.memoryUsage();
}

async function server(): Promise<void> {
  const peer = new UdpMultiplayerPeer();
  peer.serverRelay = false; // a dedicated game server; relay would announce 1000² peers
  peers.push(peer);
  await peer.createServer(0, { bindAddress: "127.0.0.1", maxClients: config.clients + 16 });
  // the harness's own buffers exist before the baseline: only per-peer state counts
  const lastSeq = new Int32Array(config.clients).fill(-1);
  const up = new Samples(4_000_000);
  const mem0 = memory();
  emit("ready", { port: peer.localPort, rss: mem0.rss });
  const snapshot = new Uint8Array(config.snapshotSize ?? 128);
  const snapView = new DataView(snapshot.buffer);
  let tick = 0;
  const ticker = setInterval(() => {
    snapView.setUint32(0, ++tick);
    snapView.setFloat64(4, wallNow());
    peer.transferMode = TransferMode.UNRELIABLE_ORDERED;
    peer.setTargetPeer(TARGET_PEER_BROADCAST);
    peer.putPacket(snapshot);
  }, TICK_MS);
  let measuring = false;
  let inputs = 0;
  let orderErrors = 0;
  onCommand.push((c) => {
    if (c.cmd !== "measure") return;
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    measuring = true;
    setTimeout(() => {
      const cpu1 = process.cpuUsage(cpu0);
      const wall = performance.now() - t0;
      measuring = false;
      const peersNow = Number(c.peers ?? config.clients);
      const mem1 = memory();
      const v = up.values();
      emit("crowd", {
        cpu: (cpu1.user + cpu1.system) / 1000 / wall,
        rssPerPeer: (mem1.rss - mem0.rss) / peersNow,
        heapPerPeer: (mem1.heapUsed - mem0.heapUsed) / peersNow,
        externalPerPeer: (mem1.external - mem0.external) / peersNow,
        heapTotalPerPeer: (mem1.heapTotal - mem0.heapTotal) / peersNow,
        upP50Ticks: quantile(v, 0.5),
        upP99Ticks: quantile(v, 0.99),
        inputs,
        orderErrors,
        ticks: tick,
      });
    }, Number(c.durationMs));
  });
  while (running) {
    await peer.poll(1_000);
    const now = wallNow();
    let packet: Uint8Array | undefined;
    while (peer.getAvailablePacketCount() > 0) {
      packet = peer.getPacket()!;
      if (packet.length < 16) continue;
      const view = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
      const index = view.getUint32(0);
      const seq = view.getUint32(4);
      if (index < lastSeq.length) {
        // UNRELIABLE_ORDERED: never an older input after a newer one from the same client.
        if (seq <= lastSeq[index]) orderErrors++;
        lastSeq[index] = seq;
      }
      if (measuring) {
        inputs++;
        up.add((now - view.getFloat64(8)) / TICK_MS);
      }
    }
  }
  clearInterval(ticker);
}

async function connectOne(): Promise<UdpMultiplayerPeer | undefined> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const peer = new UdpMultiplayerPeer();
    await peer.createClient("127.0.0.1", config.port!);
    let state: boolean | undefined;
    peer.addEventListener("connection_succeeded", () => state = true);
    peer.addEventListener("connection_failed", () => state = false);
    for (let i = 0; i < 60 && state === undefined; i++) await peer.poll(100);
    if (state === true) return peer;
    await peer.close();
    if (!running) break;
  }
  return undefined;
}

async function clients(): Promise<void> {
  const n = config.clients;
  const inputSize = Math.max(16, config.inputSize ?? 64);
  let failed = 0;
  const batch = 50;
  const connectStart = performance.now();
  for (let start = 0; start < n && running; start += batch) {
    const group = await Promise.all(
      Array.from({ length: Math.min(batch, n - start) }, () => connectOne()),
    );
    for (const p of group) p ? peers.push(p) : failed++;
    emit("progress", { connected: peers.length, failed });
  }
  emit("connected", { count: peers.length, failed, connectMs: performance.now() - connectStart });
  const down = new Samples(4_000_000);
  let measuring = false;
  let snapshots = 0;
  let sent = 0;
  let putErrors = 0;
  for (const p of peers) {
    (async () => {
      while (running) {
        await p.poll(1_000);
        const now = wallNow();
        let packet: Uint8Array | undefined;
        while (p.getAvailablePacketCount() > 0) {
          packet = p.getPacket()!;
          if (!measuring || packet.length < 12) continue;
          snapshots++;
          const view = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
          down.add((now - view.getFloat64(4)) / TICK_MS);
        }
      }
    })().catch(() => {});
  }
  // Clients are not synchronized: spread them over the tick in 10 groups.
  const groups = 10;
  let phase = 0;
  const seqs = new Uint32Array(peers.length);
  let cpu0 = process.cpuUsage();
  // datagrams all clients sent / received (stats snapshots: once per measurement, not per tick)
  const datagrams = () => {
    let sent = 0, received = 0, dropped = 0;
    for (const p of peers) {
      if (p.getConnectionStatus() !== 2) continue;
      const s = p.getPeerStats(TARGET_PEER_SERVER);
      sent += s.packetsSent;
      received += s.packetsReceived;
      dropped += s.unreliableDropped;
    }
    return { sent, received, dropped };
  };
  let dg0 = datagrams(), sent0 = 0;
  let t0 = performance.now();
  const ticker = setInterval(() => {
    const g = phase++ % groups;
    for (let i = g; i < peers.length; i += groups) {
      const input = new Uint8Array(inputSize);
      const view = new DataView(input.buffer);
      view.setUint32(0, i);
      view.setUint32(4, ++seqs[i]);
      view.setFloat64(8, wallNow());
      const p = peers[i];
      p.transferMode = TransferMode.UNRELIABLE_ORDERED;
      p.setTargetPeer(TARGET_PEER_SERVER);
      try {
        p.putPacket(input);
        sent++;
      } catch {
        putErrors++;
      }
    }
  }, TICK_MS / groups);
  onCommand.push((c) => {
    if (c.cmd === "measure") {
      measuring = true;
      cpu0 = process.cpuUsage();
      dg0 = datagrams();
      sent0 = sent;
      t0 = performance.now();
    }
    if (c.cmd !== "report") return;
    measuring = false;
    clearInterval(ticker);
    const v = down.values();
    const cpu = process.cpuUsage(cpu0);
    const dg1 = datagrams(), seconds = (performance.now() - t0) / 1000;
    emit("crowd-clients", {
      datagramsUpPerSecond: (dg1.sent - dg0.sent) / seconds,
      datagramsDownPerSecond: (dg1.received - dg0.received) / seconds,
      droppedPerSecond: (dg1.dropped - dg0.dropped) / seconds,
      putsPerSecond: (sent - sent0) / seconds,
      cpu: (cpu.user + cpu.system) / 1000 / (performance.now() - t0),
      downP50Ticks: quantile(v, 0.5),
      downP99Ticks: quantile(v, 0.99),
      snapshots,
      sent,
      putErrors,
    });
  });
}

await (config.role === "crowd-server" ? server() : clients());
