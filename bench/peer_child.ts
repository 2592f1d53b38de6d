/**
 * Scenario child for our UDP peer (public API of `mod.ts` only). Server roles receive, check and
 * count; client roles send with backpressure or measure round trips. Payloads carry sequence
 * numbers so the server proves every reliable message arrived once and in order.
 *
 * @module
 */
import { emit, hardDeadline, listenCommands, readConfig, wallNow } from "./lib/child_io.ts";
import { CpuWindow } from "./lib/cpu.ts";
import { delay, nextTurn } from "./lib/pace.ts";
import { runSegments, SegmentGate } from "./lib/segments.ts";
import {
  generateServerIdentity,
  MultiplayerError,
  publicKeyFromHex,
  publicKeyToHex,
  TransferMode,
  UdpMultiplayerPeer,
} from "../mod.ts";

/**
 * Link simulation passed to `createServer` / `createClient`.
 *
 * @example
 * ```ts
 * import type { SimulationConfig } from "./peer_child.ts";
 * let value: SimulationConfig | undefined;
 * ```
 */
export interface SimulationConfig {
  /** Loss probability. */
  readonly loss?: number;
  /** One-way latency in ms. */
  readonly latencyMs?: number;
  /** Seed of the simulator. */
  readonly seed?: number;
}

/**
 * Configuration of one peer child.
 *
 * @example
 * ```ts
 * import type { PeerChildConfig } from "./peer_child.ts";
 * let value: PeerChildConfig | undefined;
 * ```
 */
export interface PeerChildConfig {
  /** Which side and what it does. */
  readonly role: "sink" | "source" | "echo" | "ping" | "receiver" | "transfer";
  /** Server port (client roles). */
  readonly port?: number;
  /** Message size in bytes. */
  readonly size?: number;
  /** Transfer mode name. */
  readonly mode?: "reliable" | "unreliable";
  /**
   * Sink: ignore this long after the first message.
   */
  readonly warmupMs?: number;
  /** Sink: measure over this long. */
  readonly durationMs?: number;
  /** Transfer: transfers. */
  readonly rounds?: number;
  /** Optional link simulation on this peer's outgoing datagrams. */
  readonly simulation?: SimulationConfig;
  /** Hard deadline for the process. */
  readonly deadlineMs?: number;
  /** `encryption: true` on this peer (both sides must agree). */
  readonly encryption?: boolean;
  /** Client: the server identity's public key (hex) to pin; the server's `ready` carries it. */
  readonly serverKey?: string;
}

const config = readConfig<PeerChildConfig>();
hardDeadline(config.deadlineMs ?? 60_000, `peer ${config.role}`);
const isServer = config.role === "sink" || config.role === "echo" || config.role === "receiver";
const mode = config.mode === "unreliable" ? TransferMode.UNRELIABLE : TransferMode.RELIABLE;
const peer = new UdpMultiplayerPeer();
let running = true;
let expectCount = -1;

const gate = new SegmentGate(); // ping: the parent's segments (lib/segments.ts)
listenCommands((command) => {
  if (command.cmd === "stop") {
    running = false;
    gate.close();
  } else if (command.cmd === "expect") expectCount = Number(command.count);
  else gate.push(command);
}, async () => {
  running = false;
  gate.close();
  await peer.close();
});

if (isServer) {
  // encrypted servers sign each handshake with a fresh identity that the client pins, as a real
  // deployment would (the signature is per handshake, not per datagram)
  const identity = config.encryption ? await generateServerIdentity() : undefined;
  await peer.createServer(0, {
    bindAddress: "127.0.0.1",
    maxClients: 8,
    ...(config.simulation ? { simulation: config.simulation } : {}),
    ...(identity ? { encryption: true, serverIdentity: identity } : {}),
  });
  emit("ready", {
    port: peer.localPort,
    ...(identity ? { serverKey: publicKeyToHex(identity.publicKey) } : {}),
  });
} else {
  await peer.createClient("127.0.0.1", config.port!, {
    ...(config.simulation ? { simulation: config.simulation } : {}),
    ...(config.encryption ? { encryption: true } : {}),
    ...(config.serverKey ? { serverPublicKey: publicKeyFromHex(config.serverKey) } : {}),
  });
  const connected = new Promise<boolean>((resolve) => {
    peer.addEventListener("connection_succeeded", () => resolve(true));
    peer.addEventListener("connection_failed", () => resolve(false));
  });
  let ok: boolean | undefined;
  connected.then((v) => ok = v);
  for (let i = 0; i < 100 && ok === undefined; i++) await peer.poll(100);
  if (ok !== true) {
    emit("error", { message: "client could not connect" });
    Deno.exit(2);
  }
  peer.transferMode = mode;
  peer.setTargetPeer(1);
  emit("ready", {});
}

/** Counts messages, checks order/uniqueness, reports the delivered rate and a final tally. */
async function sink(): Promise<void> {
  const reliable = mode === TransferMode.RELIABLE;
  const seen = reliable ? undefined : new Uint8Array(1 << 23); // 64 Mi sequence bits
  let next = 1;
  let received = 0;
  let bytes = 0;
  let errors = 0;
  let firstError = "";
  let markT = 0, markN = 0, markB = 0;
  let windowStarted = false;
  let lastProgress = performance.now();
  // Messages per 100 ms since the first one: shows stalls (kept for the JSON report).
  const bins = new Uint32Array(300);
  let firstAt = 0;
  const cpu = new CpuWindow(); // the sink's CPU per message over the measured window
  const fail = (what: string) => {
    if (errors++ === 0) firstError = what;
  };
  while (true) {
    await peer.poll(100);
    // one clock read per batch and no DataView per message: the harness must cost less than
    // the peer's own work per message (a clock read is an op, ~0.3 us)
    const batchAt = performance.now();
    let packet: Uint8Array | undefined;
    while (peer.getAvailablePacketCount() > 0) {
      packet = peer.getPacket()!;
      if (packet.length !== config.size) {
        fail(`length ${packet.length} != ${config.size}`);
        continue;
      }
      const seq = readU32(packet, 0);
      if (packet.length >= 8 && readU32(packet, packet.length - 4) !== seq) {
        fail(`message ${seq}: tail does not match head (corrupt)`);
      }
      if (reliable) {
        if (seq !== next) {
          fail(`expected message ${next}, got ${seq} (lost, duplicated or reordered)`);
        }
        next = seq + 1;
      } else if (seq < seen!.length * 8) {
        const bit = 1 << (seq & 7);
        if (seen![seq >> 3] & bit) fail(`unreliable message ${seq} delivered twice`);
        seen![seq >> 3] |= bit;
      }
      received++;
      bytes += packet.length;
      lastProgress = batchAt;
      if (windowStarted) {
        const bin = Math.floor((lastProgress - firstAt) / 100);
        if (bin < bins.length) bins[bin]++;
      } else {
        windowStarted = true;
        firstAt = lastProgress;
        bins[0]++;
        setTimeout(() => {
          markT = performance.now(), markN = received, markB = bytes;
          cpu.mark(received);
          setTimeout(() => {
            const dt = (performance.now() - markT) / 1000;
            emit("measured", {
              rate: (received - markN) / dt,
              bytesRate: (bytes - markB) / dt,
              cpuUsPerMessage: cpu.perUnit(received),
            });
          }, config.durationMs ?? 2_000);
        }, config.warmupMs ?? 500);
      }
    }
    if (expectCount >= 0) {
      const idle = performance.now() - lastProgress;
      if (received >= expectCount || idle > (reliable ? 5_000 : 500)) {
        if (reliable && received !== expectCount) {
          fail(`received ${received} of ${expectCount} reliable messages`);
        }
        emit("final", {
          received,
          expected: expectCount,
          errors,
          firstError,
          per100ms: Array.from(bins.subarray(0, bins.findLastIndex((n) => n > 0) + 1)),
        });
        return;
      }
    }
  }
}

function readU32(bytes: Uint8Array, at: number): number {
  return ((bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3]) >>> 0;
}

function writeU32(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = value >>> 24;
  bytes[at + 1] = value >>> 16;
  bytes[at + 2] = value >>> 8;
  bytes[at + 3] = value;
}

/**
 * Sends sequenced messages as fast as the peer drains them: tops its send queue up to a high-water
 * mark, then parks on `poll` (the peer keeps sending from its queue and reads acks meanwhile).
 */
async function source(): Promise<void> {
  const size = config.size ?? 32;
  // enough to cover one park (1-4 ms) at the best rate, small enough to drain fast at the end
  const highWater = Math.max(size, 512 * 1024);
  let sent = 0;
  let queueFull = 0;
  // CPU per message from the end of the warm-up to the stop (about the sink's window)
  const cpu = new CpuWindow();
  const warmup = setTimeout(() => cpu.mark(sent), config.warmupMs ?? 500);
  // putPacket takes ownership of the payload, so each message needs fresh bytes: small ones are
  // carved from 64 KiB chunks (a `new Uint8Array(32)` costs ~0.8 us, more than the peer's own
  // work per message); the sequence is written without a DataView for the same reason.
  const chunkSize = size <= 4096 ? 64 * 1024 : 0;
  let chunk = new Uint8Array(0), used = 0;
  while (running) {
    let full = false;
    const room = highWater - peer.getPeerStats(1).queuedBytes;
    for (let put = 0; put < room; put += size) {
      let payload: Uint8Array;
      if (chunkSize === 0) payload = new Uint8Array(size);
      else {
        if (used + size > chunk.length) chunk = new Uint8Array(chunkSize), used = 0;
        payload = chunk.subarray(used, used += size);
      }
      writeU32(payload, 0, sent + 1);
      if (size >= 8) writeU32(payload, size - 4, sent + 1);
      try {
        peer.putPacket(payload);
      } catch (e) {
        if (e instanceof MultiplayerError && e.code === "QUEUE_FULL") {
          full = true;
          queueFull++;
          break;
        }
        throw e;
      }
      sent++;
    }
    await (full ? delay(1) : nextTurn(peer));
  }
  clearTimeout(warmup);
  const cpuUsPerMessage = cpu.perUnit(sent);
  // sender-side transport state: shows whether RTT (e.g. crypto latency) or losses bound the rate
  const st = peer.getPeerStats(1);
  emit("done", {
    sent,
    queueFull,
    cpuUsPerMessage,
    retransmits: st.retransmits,
    rttMs: st.rttMs,
    minRttMs: st.minRttMs,
    congestionWindow: st.congestionWindow,
    pacingRate: st.pacingRateBytesPerSec,
  });
}

/** Echoes every packet to its sender. */
async function echo(): Promise<void> {
  while (running) {
    await peer.poll(1_000);
    let packet: Uint8Array | undefined;
    while (peer.getAvailablePacketCount() > 0) {
      const from = peer.getPacketPeer();
      packet = peer.getPacket();
      if (packet === undefined) break;
      peer.setTargetPeer(from);
      peer.transferMode = TransferMode.RELIABLE;
      peer.putPacket(packet);
    }
  }
}

/** Round trips of one reliable message at a time, in the segments the parent asks for. */
async function ping(): Promise<void> {
  const size = config.size ?? 32;
  await runSegments(gate, () => running, async (i) => {
    const payload = new Uint8Array(size);
    new DataView(payload.buffer).setUint32(0, i);
    const t0 = performance.now();
    peer.putPacket(payload);
    let reply: Uint8Array | undefined;
    for (let tries = 0; tries < 50 && reply === undefined; tries++) {
      if (peer.getAvailablePacketCount() > 0) reply = peer.getPacket();
      else await peer.poll(200);
    }
    const t1 = performance.now();
    if (reply === undefined) {
      emit("error", { message: `no echo for message ${i} within 10 s` });
      Deno.exit(3);
    }
    return new DataView(reply.buffer, reply.byteOffset).getUint32(0) === i ? t1 - t0 : NaN;
  });
}

/** Server side of timed transfers: stamps arrival, answers with the one-way transfer time. */
async function receiver(): Promise<void> {
  while (running) {
    await peer.poll(1_000);
    while (peer.getAvailablePacketCount() > 0) {
      const from = peer.getPacketPeer();
      const packet = peer.getPacket();
      if (packet === undefined) break;
      const view = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
      const seq = view.getUint32(0);
      const ok = packet.length === config.size && view.getUint32(packet.length - 4) === seq;
      const reply = new Uint8Array(16);
      const out = new DataView(reply.buffer);
      out.setUint32(0, seq);
      out.setUint32(4, ok ? 1 : 0);
      out.setFloat64(8, wallNow() - view.getFloat64(4));
      peer.setTargetPeer(from);
      peer.putPacket(reply);
    }
  }
}

/** Sends one large reliable message at a time and collects its one-way transfer time. */
async function transfer(): Promise<void> {
  const size = config.size ?? 1 << 20;
  const rounds = config.rounds ?? 3;
  const times: number[] = [];
  let corrupt = 0;
  for (let i = 1; i <= rounds && running; i++) {
    const payload = new Uint8Array(size);
    const view = new DataView(payload.buffer);
    view.setUint32(0, i);
    view.setUint32(size - 4, i);
    view.setFloat64(4, wallNow());
    peer.putPacket(payload);
    let reply: Uint8Array | undefined;
    for (let tries = 0; tries < 300 && reply === undefined; tries++) {
      if (peer.getAvailablePacketCount() > 0) reply = peer.getPacket();
      else await peer.poll(100);
    }
    if (reply === undefined) {
      emit("error", { message: `transfer ${i} not confirmed within 30 s` });
      return;
    }
    const r = new DataView(reply.buffer, reply.byteOffset, reply.byteLength);
    if (r.getUint32(0) !== i || r.getUint32(4) !== 1) corrupt++;
    times.push(r.getFloat64(8));
  }
  emit("transfers", { times, corrupt });
}

const roles = { sink, source, echo, ping, receiver, transfer };
try {
  await roles[config.role]();
} catch (e) {
  emit("error", { message: e instanceof Error ? e.stack ?? e.message : String(e) });
}
