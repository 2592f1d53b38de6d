/**
 * CPU per message of the whole stack without sockets: a `DatagramMultiplayerPeer` client sends
 * to a server on in-memory carriers (host, connection, driver and peer API as over UDP), the
 * sender topping its queue up like the one-way benchmarks do, the server reading every packet as
 * soon as its datagram is handled. Sender and receiver work are timed apart with process CPU
 * time (the carriers and the harness loop run outside both). Virtual time only moves when nothing
 * else can happen, so the window never waits for a round trip: this is the code's cost, the
 * floor under what a socket run can reach (add one send per datagram on one side and one
 * receive on the other).
 *
 * With `--encrypted` both peers are encrypted as the UDP peer's `encryption: true` sets them up
 * (ChaCha20-Poly1305 per datagram), so the cipher's share of each side is the difference.
 *
 * Run: `deno run --allow-net --unstable-net bench/path_cost.ts [size] [reliable|unreliable] [n]
 * [--encrypted]`
 *
 * @module
 */
import { processCpuUs } from "./lib/cpu.ts";
import { TransferMode } from "../mod.ts";
import { generateServerIdentity } from "../transport/secure/channel.ts";
import { connectMemoryPair, type MemoryCarrier, startMemoryPair } from "./lib/memory_peers.ts";

/**
 * What {@link measurePathCost} found.
 *
 * @example
 * ```ts
 * import type { PathCost } from "./path_cost.ts";
 * const show = (c: PathCost) => `${c.senderUsPerMessage} / ${c.receiverUsPerMessage} us`;
 * ```
 */
export interface PathCost {
  /** Sender CPU per message delivered, in microseconds (API calls, packing, acks). */
  readonly senderUsPerMessage: number;
  /** Receiver CPU per message delivered (datagram handling, delivery, `getPacket`, acks). */
  readonly receiverUsPerMessage: number;
  /** Messages per data datagram. */
  readonly messagesPerDatagram: number;
  /** Messages delivered. */
  readonly delivered: number;
  /** Reliable messages delivered out of order (must be 0). */
  readonly orderErrors: number;
}

const cpuMs = () => processCpuUs() / 1000;
const settle = async () => {
  for (let i = 0; i < 4; i++) await undefined;
};

/**
 * Sends `total` messages of `size` bytes one way and returns the CPU cost per message.
 *
 * @example
 * ```ts ignore
 * import { measurePathCost } from "./path_cost.ts";
 * console.log(await measurePathCost(32, true, 200_000, false));
 * ```
 */
export async function measurePathCost(
  size: number,
  reliable: boolean,
  total: number,
  encrypted: boolean,
): Promise<PathCost> {
  const identity = encrypted ? await generateServerIdentity() : undefined;
  const pair = await startMemoryPair(32, identity);
  const { server, client, serverClock, clientClock } = pair;
  const a = pair.serverCarrier, b = pair.clientCarrier;
  const rx = new Uint8Array(2048); // the receive buffer a socket would fill
  // the server's datagrams arrive as UdpTransport delivers them: each read into a fresh region of
  // a 16 KiB slab and given to the handler as owned (payloads stay views of it)
  let slab = new Uint8Array(16 * 1024), slabAt = 0;
  const region = (d: Uint8Array): Uint8Array => {
    if (slabAt + 2049 > slab.length) slab = new Uint8Array(16 * 1024), slabAt = 0;
    const r = slab.subarray(slabAt, slabAt + d.length);
    r.set(d);
    slabAt += (d.length + 7) & ~7;
    return r;
  };
  const move = (from: MemoryCarrier, to: MemoryCarrier) => {
    const out = from.out;
    from.out = [];
    for (const d of out) {
      rx.set(d);
      to.handler!(rx.subarray(0, d.length), from.localAddress);
    }
    return out.length;
  };
  let now = await connectMemoryPair(pair, move, encrypted);
  client.transferMode = reliable ? TransferMode.RELIABLE : TransferMode.UNRELIABLE;
  client.setTargetPeer(1);
  let sent = 0, delivered = 0, next = 1, orderErrors = 0, datagrams = 0;
  let senderMs = 0, receiverMs = 0;
  let chunk = new Uint8Array(0), used = 0;
  while (delivered < total) {
    // sender: top the queue up to 512 KiB (as the one-way benchmarks do), flush
    let t = cpuMs();
    const room = 512 * 1024 - client.getPeerStats(1).queuedBytes;
    for (let put = 0; put < room && sent < total; put += size) {
      let p: Uint8Array;
      if (size > 4096) p = new Uint8Array(size);
      else {
        if (used + size > chunk.length) chunk = new Uint8Array(64 * 1024), used = 0;
        p = chunk.subarray(used, used += size);
      }
      const s = ++sent;
      p[0] = s >>> 24, p[1] = s >>> 16, p[2] = s >>> 8, p[3] = s;
      client.putPacket(p);
    }
    clientClock.advanceTo(now);
    await settle();
    senderMs += cpuMs() - t;
    const out = b.out;
    b.out = [];
    datagrams += out.length;
    // receiver: each datagram handled, its packets read at once (as a poll() wake-up does)
    t = cpuMs();
    serverClock.advanceTo(now);
    for (const d of out) {
      a.handler!(region(d), b.localAddress, true);
      await server.poll(0);
      while (server.getAvailablePacketCount() > 0) {
        const p = server.getPacket()!;
        const s = ((p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3]) >>> 0;
        if (reliable && s !== next) orderErrors++;
        next = s + 1;
        delivered++;
      }
    }
    await settle();
    receiverMs += cpuMs() - t;
    // acks back to the sender (its work)
    t = cpuMs();
    move(a, b);
    await settle();
    senderMs += cpuMs() - t;
    if (out.length === 0) {
      // nothing moved: let time reach the next timer (pacer, ack delay)
      const due = Math.min(
        serverClock.nextDeadline() ?? Infinity,
        clientClock.nextDeadline() ?? Infinity,
      );
      now = due === Infinity ? now + 1 : Math.max(now + 0.05, due);
      if (!reliable && sent >= total) break;
    }
  }
  await client.close();
  await server.close();
  return {
    senderUsPerMessage: senderMs * 1000 / delivered,
    receiverUsPerMessage: receiverMs * 1000 / delivered,
    messagesPerDatagram: delivered / datagrams,
    delivered,
    orderErrors,
  };
}

if (import.meta.main) {
  const encrypted = Deno.args.includes("--encrypted");
  const args = Deno.args.filter((a) => a !== "--encrypted");
  const size = Number(args[0] ?? 32), reliable = args[1] !== "unreliable";
  const total = Number(args[2] ?? (size > 4096 ? 100 : size >= 1000 ? 200_000 : 2_000_000));
  const r = await measurePathCost(size, reliable, total, encrypted);
  console.log(
    `${size} B ${reliable ? "reliable" : "unreliable"}${encrypted ? " encrypted" : ""}: sender ${
      r.senderUsPerMessage.toFixed(3)
    } us/msg, receiver ${r.receiverUsPerMessage.toFixed(3)} us/msg, ${
      r.messagesPerDatagram.toFixed(1)
    } msg/datagram, ${r.delivered} delivered, ${r.orderErrors} out of order`,
  );
}
