/**
 * The crowd scenario's processes. `crowd-server` broadcasts 20 Hz snapshots, receives inputs and
 * reports its CPU, memory (after a forced GC) and input latency. `crowd-clients` hosts a share of
 * the client peers (the orchestrator spreads the crowd over several such processes, so the load
 * generator is not one saturated JS thread), each sending 20 Hz inputs, and reports its own CPU,
 * what it offered and the snapshot latency. Times are wall-clock stamps (same machine); latency
 * is counted in ticks of 50 ms, in histograms the orchestrator merges across processes.
 *
 * @module
 */
import process from "node:process";
import { emit, hardDeadline, listenCommands, readConfig, wallNow } from "./lib/child_io.ts";
import { Histogram } from "./lib/stats.ts";
import { FixedRate } from "./lib/pace.ts";
import { StampWindow } from "./lib/window.ts";
import { type LightClient, LightCrowd } from "./lib/light_client.ts";
import {
  ConnectionStatus,
  DisconnectReason,
  type FailureEventDetail,
  generateServerIdentity,
  publicKeyFromHex,
  publicKeyToHex,
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
 * const server: CrowdConfig = { role: "crowd-server", clients: 2000 };
 * const clients: CrowdConfig = { role: "crowd-clients", clients: 250, indexBase: 250, port: 9000 };
 * ```
 */
export interface CrowdConfig {
  /** Which side. */
  readonly role: "crowd-server" | "crowd-clients";
  /** Server: the most clients it will see; clients: how many this process hosts. */
  readonly clients: number;
  /** Clients: index of this process's first client in the whole crowd. */
  readonly indexBase?: number;
  /** Server port (clients). */
  readonly port?: number;
  /** `encryption: true` on every peer; the server's `ready` carries the key clients pin. */
  readonly encryption?: boolean;
  /** Clients: the server identity's public key (hex). */
  readonly serverKey?: string;
  /** Clients: connection attempts in flight at once (default 50). */
  readonly connectConcurrency?: number;
  /** Input size in bytes (default 64). */
  readonly inputSize?: number;
  /** Snapshot size in bytes (default 128). */
  readonly snapshotSize?: number;
  /** Hard deadline for the process. */
  readonly deadlineMs?: number;
  /**
   * Clients: light clients (`lib/light_client.ts`: the protocol's client host on a socket, no
   * peer API or driver) instead of `UdpMultiplayerPeer`s.
   */
  readonly light?: boolean;
}

const TICK_MS = 50;
/** Latency histograms: 1 ms bins (0.02 tick) up to 10 s. */
const BIN_TICKS = 1 / TICK_MS;
const BINS = 10_000;
const config = readConfig<CrowdConfig>();
hardDeadline(config.deadlineMs ?? 120_000, config.role);
const gc = (globalThis as { gc?: () => void }).gc;
let running = true;
const peers: UdpMultiplayerPeer[] = [];
let lightCrowd: LightCrowd | undefined;
const onCommand: ((c: { cmd: string; [k: string]: unknown }) => void)[] = [];
listenCommands((c) => onCommand.forEach((f) => f(c)), async () => {
  running = false;
  lightCrowd?.close();
  await Promise.all(peers.map((p) => p.close()));
});

/** Memory after a full collection (twice: the first may only queue finalizers). */
function memory(): Deno.MemoryUsage {
  gc?.();
  gc?.();
  return Deno.memoryUsage();
}

function memoryFields(m: Deno.MemoryUsage): Record<string, number> {
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external, heapTotal: m.heapTotal };
}

function cpuCores(since: ReturnType<typeof process.cpuUsage>, wallMs: number): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000 / wallMs;
}

async function server(): Promise<void> {
  const identity = config.encryption ? await generateServerIdentity() : undefined;
  const peer = new UdpMultiplayerPeer();
  peer.serverRelay = false; // a dedicated game server; relay would announce n² peers
  peers.push(peer);
  await peer.createServer(0, {
    bindAddress: "127.0.0.1",
    maxClients: config.clients + 16,
    // the configuration we recommend for a crowd: its socket read on a thread of its own (the
    // kernel's ~256-datagram buffer overflows during a broadcast turn otherwise)
    receiveThread: true,
    ...(identity ? { encryption: true, serverIdentity: identity } : {}),
  });
  let connected = 0;
  peer.addEventListener("peer_connected", () => connected++);
  peer.addEventListener("peer_disconnected", () => connected--);
  // the harness's own buffers exist before the baseline: only per-peer state counts
  const lastSeq = new Int32Array(config.clients).fill(-1);
  const up = new Histogram(BIN_TICKS, BINS);
  // stalls of the server's JS thread in ms: per broadcast turn, and between two socket reads
  const tickTurns = new Histogram(0.1, 20_000), readGaps = new Histogram(0.1, 20_000);
  let lastRead = performance.now();
  const snapshot = new Uint8Array(config.snapshotSize ?? 128);
  const snapView = new DataView(snapshot.buffer);
  const window = new StampWindow();
  let inputs = 0, snapshotsSent = 0, orderErrors = 0, tick = 0;
  const mem0 = memory();
  emit("ready", {
    port: peer.localPort,
    ...memoryFields(mem0),
    ...(identity ? { serverKey: publicKeyToHex(identity.publicKey) } : {}),
  });
  // a late timer catches up one tick at most: a server that far behind is saturated
  const rate = new FixedRate(TICK_MS, 2, performance.now());
  let quiet = false; // no broadcast while the memory of a quiet server is taken
  const ticker = setInterval(() => {
    for (let due = rate.due(performance.now()); due > 0; due--) {
      if (quiet) continue;
      const now = wallNow();
      snapView.setUint32(0, ++tick);
      snapView.setFloat64(4, now);
      peer.transferMode = TransferMode.UNRELIABLE_ORDERED;
      peer.setTargetPeer(TARGET_PEER_BROADCAST);
      if (connected === 0) continue;
      peer.putPacket(snapshot.slice()); // putPacket owns its bytes: one copy per tick
      if (window.contains(now)) {
        snapshotsSent += connected;
        // how long the broadcast keeps this turn (and so the socket reads) busy: the flush of
        // one datagram per peer runs at the end of it, the next timer turn comes after
        const t0 = performance.now();
        setTimeout(() => tickTurns.add(performance.now() - t0), 0);
      }
    }
  }, TICK_MS);
  onCommand.push((c) => {
    if (c.cmd !== "quiesce") return;
    // the clients paused their inputs: after `ms` without broadcasts every queue has drained,
    // so the heap holds the sessions, not the traffic in flight
    quiet = true;
    setTimeout(() => {
      emit("memory", { peers: connected, ...memoryFields(memory()) });
      quiet = false;
    }, Number(c.ms));
  });
  onCommand.push((c) => {
    if (c.cmd !== "measure") return;
    inputs = snapshotsSent = 0;
    up.clear();
    tickTurns.clear();
    readGaps.clear();
    let cpu0 = process.cpuUsage(), t0 = performance.now(), cpu = NaN;
    window.open(Number(c.from), Number(c.to), Number(c.graceMs), {
      start: () => {
        cpu0 = process.cpuUsage();
        t0 = performance.now();
      },
      stop: () => cpu = cpuCores(cpu0, performance.now() - t0),
      report: () =>
        emit("crowd", {
          cpu,
          seconds: window.seconds,
          peers: connected,
          inputs,
          snapshotsSent,
          orderErrors,
          ticks: tick,
          lateMs: window.lateMs,
          up: up.toSparse(),
          tickTurnP50Ms: tickTurns.quantile(0.5),
          tickTurnMaxMs: tickTurns.quantile(1),
          readGapP99Ms: readGaps.quantile(0.99),
          readGapMaxMs: readGaps.quantile(1),
          ...memoryFields(memory()),
        }),
    });
  });
  while (running) {
    await peer.poll(1_000);
    const now = wallNow();
    const readAt = performance.now();
    if (window.contains(now)) readGaps.add(readAt - lastRead);
    lastRead = readAt;
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
      const stamp = view.getFloat64(8);
      if (window.contains(stamp)) {
        inputs++;
        up.add((now - stamp) / TICK_MS);
      }
    }
  }
  clearInterval(ticker);
}

/** Why connection attempts failed (each retry counts), by reason. */
const failures: Record<string, number> = {};
/** The first message seen for each reason. */
const failureMessages: Record<string, string> = {};

async function connectOne(): Promise<UdpMultiplayerPeer | undefined> {
  const security = config.encryption
    ? { encryption: true, serverPublicKey: publicKeyFromHex(config.serverKey!) }
    : {};
  for (let attempt = 0; attempt < 5 && running; attempt++) {
    const peer = new UdpMultiplayerPeer();
    await peer.createClient("127.0.0.1", config.port!, security);
    let state: boolean | undefined;
    peer.addEventListener("connection_succeeded", () => state = true);
    peer.addEventListener("connection_failed", (e) => {
      state = false;
      const detail = (e as CustomEvent<FailureEventDetail>).detail;
      const reason = Object.entries(DisconnectReason).find(([, v]) => v === detail?.reason)?.[0] ??
        String(detail?.reason);
      failures[reason] = (failures[reason] ?? 0) + 1;
      failureMessages[reason] ??= String(detail?.message);
    });
    for (let i = 0; i < 60 && state === undefined; i++) await peer.poll(100);
    if (state === true) return peer;
    if (state === undefined) failures["no answer in 6 s"] = (failures["no answer in 6 s"] ?? 0) + 1;
    await peer.close();
  }
  return undefined;
}

function clients(): void {
  const n = config.clients;
  const indexBase = config.indexBase ?? 0;
  const inputSize = Math.max(16, config.inputSize ?? 64);
  const concurrency = Math.max(1, config.connectConcurrency ?? 50);
  const down = new Histogram(BIN_TICKS, BINS);
  const window = new StampWindow();
  let snapshots = 0, puts = 0, putErrors = 0;

  const onSnapshot = (packet: Uint8Array, now: number) => {
    if (packet.length < 12) return;
    const stamp = new DataView(packet.buffer, packet.byteOffset, 12).getFloat64(4);
    if (!window.contains(stamp)) return;
    snapshots++;
    down.add((now - stamp) / TICK_MS);
  };
  // light clients: one socket and client host each, their timers run from this process's tick
  const light = config.light === true
    ? lightCrowd = new LightCrowd(
      config.port!,
      (packet) => onSnapshot(packet, wallNow()),
      config.encryption ? publicKeyFromHex(config.serverKey!) : undefined,
    )
    : undefined;
  const members: LightClient[] = [];

  // datagrams all clients sent / received (summed stats: once per measurement, not per tick)
  const datagrams = () => {
    let sent = 0, received = 0, dropped = 0;
    for (const p of peers) {
      if (p.getConnectionStatus() !== ConnectionStatus.CONNECTED) continue;
      const s = p.getPeerStats(TARGET_PEER_SERVER);
      sent += s.packetsSent;
      received += s.packetsReceived;
      dropped += s.unreliableDropped;
    }
    for (const c of members) {
      const s = c.counters();
      sent += s.sent;
      received += s.received;
      dropped += s.dropped;
    }
    return { sent, received, dropped };
  };

  // a client whose connection ended stops (and is counted): it has nothing left to receive
  let disconnected = 0;
  const receiveLoop = async (p: UdpMultiplayerPeer) => {
    while (running) {
      await p.poll(1_000);
      if (p.getConnectionStatus() !== ConnectionStatus.CONNECTED) {
        disconnected++;
        return;
      }
      const now = wallNow();
      while (p.getAvailablePacketCount() > 0) onSnapshot(p.getPacket()!, now);
    }
  };
  const lightDisconnected = () => members.filter((c) => c.state === "closed").length;

  // Clients are not synchronized: every 5 ms a tenth of them send (a late timer catches up to
  // one whole tick: beyond that the generator is behind and `offered` shows it). Inputs are
  // carved from 64 KiB chunks (putPacket owns its bytes; an allocation per input costs the load
  // generator more than the bytes are worth).
  const groups = 10;
  let phase = 0;
  const seqs = new Uint32Array(n);
  let chunk = new Uint8Array(0), used = 0;
  let paused = false; // while the server's memory is taken at rest
  const tickInputs = () => {
    if (paused) return;
    const g = phase++ % groups;
    const now = wallNow();
    const counted = window.contains(now);
    const count = light ? members.length : peers.length;
    for (let i = g; i < count; i += groups) {
      if (used + inputSize > chunk.length) chunk = new Uint8Array(64 * 1024), used = 0;
      const input = chunk.subarray(used, used += inputSize);
      const view = new DataView(input.buffer, input.byteOffset, 16);
      view.setUint32(0, indexBase + i);
      view.setUint32(4, ++seqs[i]);
      view.setFloat64(8, now);
      if (light) {
        if (members[i].put(input) && counted) puts++;
        continue;
      }
      const p = peers[i];
      if (p.getConnectionStatus() !== ConnectionStatus.CONNECTED) continue;
      p.transferMode = TransferMode.UNRELIABLE_ORDERED;
      p.setTargetPeer(TARGET_PEER_SERVER);
      try {
        p.putPacket(input);
        if (counted) puts++;
      } catch {
        putErrors++;
      }
    }
  };
  if (light) setInterval(() => light.service(performance.now()), TICK_MS / groups);
  const connectLight = async (): Promise<LightClient | undefined> => {
    for (let attempt = 0; attempt < 5 && running; attempt++) {
      const { client, failure } = await light!.connect();
      if (client) return client;
      if (failure) {
        failures[failure.reason] = (failures[failure.reason] ?? 0) + 1;
        failureMessages[failure.reason] ??= failure.message;
      }
    }
    return undefined;
  };

  onCommand.push(async (c) => {
    if (c.cmd === "pause" || c.cmd === "resume") {
      paused = c.cmd === "pause";
      emit(c.cmd === "pause" ? "paused" : "resumed", {});
    } else if (c.cmd === "connect") {
      const started = performance.now();
      let failed = 0;
      const connecting: Promise<void>[] = [];
      let nextIndex = 0;
      // `concurrency` connection attempts in flight; each finished one starts the next
      const worker = async () => {
        while (nextIndex < n && running) {
          nextIndex++;
          if (light) {
            const c = await connectLight();
            if (c) members.push(c);
            else failed++;
            continue;
          }
          const p = await connectOne();
          if (p) peers.push(p);
          else failed++;
        }
      };
      for (let w = 0; w < Math.min(concurrency, n); w++) connecting.push(worker());
      await Promise.all(connecting);
      for (const p of peers) receiveLoop(p).catch(() => {});
      const rate = new FixedRate(TICK_MS / groups, groups, performance.now());
      setInterval(() => {
        for (let due = rate.due(performance.now()); due > 0; due--) tickInputs();
      }, TICK_MS / groups);
      emit("connected", {
        count: light ? members.length : peers.length,
        failed,
        failures,
        failureMessages,
        connectMs: performance.now() - started,
      });
    } else if (c.cmd === "measure") {
      snapshots = puts = putErrors = 0;
      down.clear();
      let cpu0 = process.cpuUsage(), t0 = performance.now(), cpu = NaN;
      let dg0 = datagrams(), dg1 = dg0;
      window.open(Number(c.from), Number(c.to), Number(c.graceMs), {
        start: () => {
          cpu0 = process.cpuUsage();
          t0 = performance.now();
          dg0 = datagrams();
        },
        stop: () => {
          cpu = cpuCores(cpu0, performance.now() - t0);
          dg1 = datagrams();
        },
        report: () => {
          const seconds = window.seconds;
          emit("crowd-clients", {
            cpu,
            seconds,
            clients: light ? members.length : peers.length,
            disconnected: light ? lightDisconnected() : disconnected,
            lateMs: window.lateMs,
            puts,
            putErrors,
            snapshots,
            datagramsUpPerSecond: (dg1.sent - dg0.sent) / seconds,
            datagramsDownPerSecond: (dg1.received - dg0.received) / seconds,
            droppedPerSecond: (dg1.dropped - dg0.dropped) / seconds,
            down: down.toSparse(),
          });
        },
      });
    }
  });
  emit("ready", {});
}

if (config.role === "crowd-server") await server();
else clients();
