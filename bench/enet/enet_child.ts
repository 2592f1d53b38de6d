/**
 * Deno side of the ENet-wire benchmark, answering the C client of `enet_bench.c`:
 *
 * - `sink`: an `ENetMultiplayerPeer` server that checks every message (length, sender, sequence
 *   numbers at both ends of the payload: each exactly once and in order), reports the delivered
 *   rate and this process's CPU time over a window starting `warmupMs` after the first message,
 *   then a final tally once told how many were sent;
 * - `echo`: the same server sending each message straight back to its sender (reliable);
 * - `floor-echo`: the ping-pong floor, a plain `Deno.listenDatagram` socket answering the C
 *   client's ENet ping-pong with the least ENet there is (`_minimal_enet.ts`): one datagram in,
 *   one out, acknowledgement and echo together;
 * - `udp-echo`: a plain socket returning each datagram unchanged, for the C client's `rawping`
 *   mode (plain UDP round trips, for reference).
 *
 * Config is one JSON argument, events are JSON lines on stdout (see `../lib/child_io.ts`).
 * Permissions: `--allow-net --unstable-net`.
 *
 * @module
 */
import process from "node:process";
import { emit, hardDeadline, listenCommands, readConfig } from "../lib/child_io.ts";
import { ENetMultiplayerPeer, TransferMode } from "../../mod.ts";
import { MinimalEnetEcho } from "./_minimal_enet.ts";

/**
 * Configuration of one ENet benchmark child.
 *
 * @example
 * ```ts
 * import type { EnetChildConfig } from "./enet_child.ts";
 * const c: EnetChildConfig = { role: "sink", size: 32, warmupMs: 300, durationMs: 700 };
 * ```
 */
export interface EnetChildConfig {
  /** What this process does. */
  readonly role: "sink" | "echo" | "floor-echo" | "udp-echo";
  /** Sink: Godot payload size in bytes (what `getPacket` returns). */
  readonly size?: number;
  /** Sink: ignore this long after the first message. */
  readonly warmupMs?: number;
  /** Sink: measure over this long. */
  readonly durationMs?: number;
  /** Hard deadline for the process. */
  readonly deadlineMs?: number;
}

const config = readConfig<EnetChildConfig>();
hardDeadline(config.deadlineMs ?? 60_000, `enet ${config.role}`);
let running = true;
let expectCount = -1;
let stopSocket: () => void = () => {};

listenCommands((command) => {
  if (command.cmd === "stop") running = false;
  else if (command.cmd === "expect") expectCount = Number(command.count);
}, async () => {
  running = false;
  stopSocket();
  await peer?.close();
});

const plain = config.role === "floor-echo" || config.role === "udp-echo";
const peer = plain ? undefined : new ENetMultiplayerPeer();
let clientId = 0;
if (peer) {
  await peer.createServer(0, { bindAddress: "127.0.0.1", maxClients: 8 });
  peer.addEventListener("peer_connected", (e) => {
    if (clientId === 0) clientId = e.detail.id;
    emit("connected", { id: e.detail.id });
  });
  emit("ready", { port: peer.localPort });
}

function readU32LE(bytes: Uint8Array, at: number): number {
  return (bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24)) >>> 0;
}

/** Process CPU time (user + system, every thread) in microseconds. */
function cpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

/** Counts and checks messages; the window and the tally as in `bench/peer_child.ts`'s sink. */
async function sink(p: ENetMultiplayerPeer): Promise<void> {
  const size = config.size ?? 32;
  let next = 1, received = 0, errors = 0;
  let firstError = "";
  let lastProgress = performance.now();
  let window: "idle" | "warmup" | "measuring" | "done" = "idle";
  const fail = (what: string) => {
    if (errors++ === 0) firstError = what;
  };
  // `running` ends the loop before close(): a poll on the closed peer would wait out its timeout
  while (running) {
    await p.poll(100);
    // one clock read per batch: the harness must cost little next to the peer's work
    const batchAt = performance.now();
    while (p.getAvailablePacketCount() > 0) {
      const from = p.getPacketPeer();
      const packet = p.getPacket()!;
      if (packet.length !== size) {
        fail(`length ${packet.length} != ${size}`);
        continue;
      }
      if (from !== clientId) fail(`message from peer ${from}, expected ${clientId}`);
      const seq = readU32LE(packet, 0);
      if (readU32LE(packet, size - 4) !== seq) fail(`message ${seq}: corrupt`);
      if (seq !== next) {
        fail(`expected message ${next}, got ${seq} (lost, duplicated or reordered)`);
      }
      next = seq + 1;
      received++;
      lastProgress = batchAt;
    }
    if (window === "idle" && received > 0) {
      window = "warmup";
      setTimeout(() => {
        window = "measuring";
        const t0 = performance.now(), n0 = received, cpu0 = cpuMicros();
        emit("window", {});
        setTimeout(() => {
          window = "done";
          const cpu = cpuMicros() - cpu0;
          const seconds = (performance.now() - t0) / 1000;
          const n = received - n0;
          emit("measured", {
            rate: n / seconds,
            bytesRate: (n * size) / seconds,
            cpuUs: cpu,
            cpuPerMsgUs: n > 0 ? cpu / n : 0,
            cpuCores: cpu / 1e6 / seconds,
          });
        }, config.durationMs ?? 2_000);
      }, config.warmupMs ?? 500);
    }
    if (expectCount >= 0) {
      if (received >= expectCount || performance.now() - lastProgress > 5_000) {
        if (received !== expectCount) {
          fail(`received ${received} of ${expectCount} reliable messages`);
        }
        emit("final", { received, expected: expectCount, errors, firstError });
        expectCount = -1;
      }
    }
  }
}

/** Sends every message back to its sender, reliable, from `poll()`. */
async function echo(p: ENetMultiplayerPeer): Promise<void> {
  p.transferMode = TransferMode.RELIABLE;
  while (running) {
    await p.poll(1_000);
    while (p.getAvailablePacketCount() > 0) {
      const from = p.getPacketPeer();
      const packet = p.getPacket();
      if (packet === undefined) break;
      p.setTargetPeer(from);
      p.putPacket(packet);
    }
  }
}

/**
 * A plain socket on 127.0.0.1 answering each datagram with what `reply` wrote for it (its
 * length; 0 = no answer). One reused receive buffer; runs until the socket closes.
 */
async function plainSocket(
  buf: Uint8Array,
  reply: (data: Uint8Array, now: number) => Uint8Array | undefined,
): Promise<void> {
  const conn = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  stopSocket = () => {
    try {
      conn.close();
    } catch {
      // already closed
    }
  };
  emit("ready", { port: (conn.addr as Deno.NetAddr).port });
  while (true) {
    try {
      const [data, from] = await conn.receive(buf);
      const answer = reply(data, performance.now());
      if (answer !== undefined) await conn.send(answer, from as Deno.NetAddr);
    } catch {
      return; // socket closed
    }
  }
}

/** The ping-pong floor: the least ENet that answers the C client (see `_minimal_enet.ts`). */
function floorEcho(): Promise<void> {
  const input = new Uint8Array(65536), output = new Uint8Array(8192);
  const echo = new MinimalEnetEcho(input, output);
  return plainSocket(input, (data, now) => {
    const n = echo.answer(data.length, now);
    return n > 0 ? output.subarray(0, n) : undefined;
  });
}

try {
  if (config.role === "floor-echo") await floorEcho();
  else if (config.role === "udp-echo") await plainSocket(new Uint8Array(65536), (data) => data);
  else if (config.role === "echo") await echo(peer!);
  else await sink(peer!);
} catch (e) {
  emit("error", { message: e instanceof Error ? e.stack ?? e.message : String(e) });
}
