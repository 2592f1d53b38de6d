/**
 * The reference ceiling: a minimal reliable in-order stream of small messages in pure TypeScript
 * over `Deno.listenDatagram`, with none of our peer's generality (one stream, fixed-size
 * messages, no congestion control, no fragmentation). It shows what this runtime can do when
 * nothing but the essentials runs per datagram, so every 32 B row can be read against it.
 *
 * Wire (big-endian): DATA = kind 1, u32 datagram sequence, u8 message count, then that many
 * messages of `size` bytes (each carries its own u32 message sequence at its head and tail).
 * ACK = kind 2, u32 next expected datagram, then a 64-bit map of the datagrams received beyond it
 * (bit i: `next + i`). The receiver acknowledges every `ackEvery` in-order datagrams, at once on
 * a gap or a duplicate, and every 2 ms while something is unacknowledged. The sender keeps at
 * most `window` datagrams unacknowledged and, when the oldest has seen no progress for `rtoMs`,
 * resends every datagram of the window the receiver has not reported (selective repeat).
 * Sequences do not wrap within a benchmark run (2^32 datagrams).
 *
 * With `encrypt`, the bytes after the header of each datagram (and after the kind of each ack)
 * are sealed with ChaCha20-Poly1305, a 16-byte tag appended; the nonce is the direction and the
 * datagram sequence (acks: a counter). A resend repeats the sealed bytes. The receiver opens a
 * datagram only when it is new and within the window.
 *
 * Roles: `receiver` (reorders, checks every message arrives exactly once and in order, reports
 * the delivered rate) and `sender`. Run by `scenarios.ts` (`referenceStream`).
 *
 * @module
 */
import { emit, hardDeadline, listenCommands, readConfig } from "./lib/child_io.ts";
import { ChaCha20Poly1305 } from "../protocol/security/aead.ts";
import { CpuWindow } from "./lib/cpu.ts";
import { MessageQueue } from "./lib/message_queue.ts";

/**
 * Configuration of one reference-stream child.
 *
 * @example
 * ```ts
 * import type { ReferenceStreamConfig } from "./reference_stream_child.ts";
 * const config: ReferenceStreamConfig = { role: "receiver" };
 * ```
 */
export interface ReferenceStreamConfig {
  /** Which end. */
  readonly role: "sender" | "receiver";
  /** Receiver port (sender). */
  readonly port?: number;
  /** Message size in bytes (>= 8; default 32). */
  readonly size?: number;
  /** Messages per datagram (default 35: 35 x 32 B + 6 B header fit in 1200 B). */
  readonly perDatagram?: number;
  /** Datagrams in flight (default 64: at 2304 B each in the kernel, 144 KiB of the 208 KiB). */
  readonly window?: number;
  /** Receiver: acknowledge every this many in-order datagrams (default 8). */
  readonly ackEvery?: number;
  /** Sender: resend after this long without progress (default 20 ms; loopback RTT is ~0.1). */
  readonly rtoMs?: number;
  /** Receiver: ignore this long after the first delivery. */
  readonly warmupMs?: number;
  /** Receiver: measure over this long. */
  readonly durationMs?: number;
  /** Sender: skip the first transmission of every this many datagrams (tests the resend). */
  readonly dropEvery?: number;
  /**
   * Seal every datagram, data and acks, with the library's pure-TypeScript ChaCha20-Poly1305
   * (fixed bench keys; the clear header is the associated data, the tag follows the body): the
   * least an encrypted reliable stream does per datagram on top of the plain one.
   */
  readonly encrypt?: boolean;
  /**
   * The same stream behind a per-message API of the peer's shape (one call per message each
   * way): the sender's app hands each message to `put()` as a fresh view (validated, queued by
   * reference up to a byte bound, copied into a datagram when one is built), and the receiver
   * copies each datagram once and hands every message out as a view of that copy through a
   * queue its app drains with `get()`. The least a `putPacket` / `getPacket` interface costs on
   * top of the stream itself.
   */
  readonly api?: boolean;
  /** Hard deadline for the process. */
  readonly deadlineMs?: number;
}

const HOST = "127.0.0.1";
const KIND_DATA = 1;
const KIND_ACK = 2;
const HEADER = 6;
const ACK_SIZE = 13;
const MAP_BITS = 64;
const TAG = 16;

const config = readConfig<ReferenceStreamConfig>();
hardDeadline(config.deadlineMs ?? 60_000, `reference ${config.role}`);
const size = Math.max(8, config.size ?? 32);
const perDatagram = Math.min(255, Math.max(1, config.perDatagram ?? 35));
const window = Math.max(2, config.window ?? 64);
const encrypt = config.encrypt === true;
const api = config.api === true;
if (api && encrypt) throw new Error("the reference stream's api mode is plain only");
const tag = encrypt ? TAG : 0;
const datagramSize = HEADER + perDatagram * size + tag;
// an encrypted ack carries its counter in clear after the kind (its nonce)
const ackHeader = encrypt ? 5 : 1;
const ackSize = ACK_SIZE - 1 + ackHeader + tag;
// fixed keys (a benchmark, not a secret): one per direction
const dataCipher = new ChaCha20Poly1305(new Uint8Array(32).fill(0x5a));
const ackCipher = new ChaCha20Poly1305(new Uint8Array(32).fill(0xa5));
const nonce = new Uint8Array(12);
/** The nonce of datagram (or ack) number `n`. */
function nonceOf(n: number): Uint8Array {
  writeU32(nonce, 8, n);
  return nonce;
}
const conn = Deno.listenDatagram({ transport: "udp", hostname: HOST, port: 0 });
let running = true;
let expectCount = -1;
listenCommands((command) => {
  if (command.cmd === "stop") running = false;
  else if (command.cmd === "expect") expectCount = Number(command.count);
}, () => {
  running = false;
  try {
    conn.close();
  } catch {
    // Already closed.
  }
  return Promise.resolve();
});
emit("ready", { port: (conn.addr as Deno.NetAddr).port, datagramSize });

function readU32(b: Uint8Array, at: number): number {
  return ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
}

function writeU32(b: Uint8Array, at: number, value: number): void {
  b[at] = value >>> 24;
  b[at + 1] = value >>> 16;
  b[at + 2] = value >>> 8;
  b[at + 3] = value;
}

/** Reorders datagrams, verifies every message, acknowledges, measures the delivered rate. */
async function receiver(): Promise<void> {
  const ackEvery = Math.max(1, config.ackEvery ?? 8);
  const buf = new Uint8Array(2048);
  // out-of-order datagrams wait in one preallocated slot each
  const held = Array.from({ length: window }, () => new Uint8Array(datagramSize));
  const heldSeq = new Float64Array(window).fill(-1);
  const heldLength = new Uint16Array(window);
  const acks = [new Uint8Array(ackSize), new Uint8Array(ackSize)];
  acks[0][0] = acks[1][0] = KIND_ACK;
  const ackBodies = acks.map((a) => a.subarray(ackHeader, ackHeader + ACK_SIZE - 1));
  const ackBusy = [false, false];
  let ackCount = 0;
  const plain = new Uint8Array(datagramSize); // an opened datagram (encrypt)
  let nextDatagram = 0;
  let nextMessage = 1;
  let delivered = 0;
  let errors = 0;
  let firstError = "";
  let duplicates = 0, reordered = 0, outOfWindow = 0;
  let unacked = 0;
  let sender: Deno.NetAddr | undefined;
  let lastProgress = performance.now();
  let markT = 0, markN = 0, markD = 0;
  let deliveredDatagrams = 0;
  const fail = (what: string) => {
    if (errors++ === 0) firstError = what;
  };

  // Sends the cumulative ack with the map of held datagrams; skipped if both buffers are busy
  // (the next ack carries newer news anyway).
  const sendAck = () => {
    if (!sender) return;
    const i = ackBusy[0] ? (ackBusy[1] ? -1 : 1) : 0;
    if (i < 0) return;
    const ack = acks[i];
    writeU32(ack, ackHeader, nextDatagram);
    let hi = 0, lo = 0;
    for (let bit = 1; bit < MAP_BITS && bit < window; bit++) {
      const seq = nextDatagram + bit;
      if (heldSeq[seq % window] !== seq) continue;
      if (bit < 32) lo |= 1 << bit;
      else hi |= 1 << (bit - 32);
    }
    writeU32(ack, ackHeader + 4, hi >>> 0);
    writeU32(ack, ackHeader + 8, lo >>> 0);
    if (encrypt) {
      writeU32(ack, 1, ackCount);
      ackCipher.sealAfterHeader(nonceOf(ackCount++), ack, ackHeader, ackBodies[i]);
    }
    unacked = 0;
    ackBusy[i] = true;
    conn.send(ack, sender).then(() => ackBusy[i] = false, () => ackBusy[i] = false);
  };
  const idleAcks = setInterval(() => {
    if (unacked > 0) sendAck();
  }, 2);

  const check = (b: Uint8Array, at: number) => {
    const seq = readU32(b, at);
    if (seq !== nextMessage || readU32(b, at + size - 4) !== seq) {
      fail(`expected message ${nextMessage}, got ${seq} (lost, duplicated, reordered or corrupt)`);
    }
    nextMessage = seq + 1;
    delivered++;
  };
  // api: each datagram copied once into a slab, each message a view of that copy, queued for
  // the app (the receive buffer and the held slots are written again)
  const inbox = new MessageQueue(Infinity, size);
  const SLAB = 64 * 1024;
  let slab = new ArrayBuffer(SLAB), slabBytes = new Uint8Array(slab), slabAt = 0;
  const deliver = (b: Uint8Array, length: number) => {
    const count = b[5];
    if (HEADER + count * size !== length) {
      fail(`datagram of ${length} bytes announces ${count} messages`);
      return;
    }
    if (api) {
      const n = length - HEADER;
      if (slabAt + n > SLAB) {
        slab = new ArrayBuffer(SLAB), slabBytes = new Uint8Array(slab), slabAt = 0;
      }
      slabBytes.set(b.subarray(HEADER, length), slabAt);
      for (let m = 0; m < count; m++) inbox.put(new Uint8Array(slab, slabAt + m * size, size));
      slabAt = (slabAt + n + 7) & ~7;
      for (let v = inbox.take(); v !== undefined; v = inbox.take()) check(v, 0);
    } else {
      for (let m = 0, at = HEADER; m < count; m++, at += size) check(b, at);
    }
    deliveredDatagrams++;
  };

  let started = false;
  const cpu = new CpuWindow(); // CPU per message over the measured window
  const startWindow = () => {
    started = true;
    setTimeout(() => {
      markT = performance.now(), markN = delivered, markD = deliveredDatagrams;
      cpu.mark(delivered);
      setTimeout(() => {
        const dt = (performance.now() - markT) / 1000;
        emit("measured", {
          rate: (delivered - markN) / dt,
          datagramRate: (deliveredDatagrams - markD) / dt,
          cpuUsPerMessage: cpu.perUnit(delivered),
        });
      }, config.durationMs ?? 2_000);
    }, config.warmupMs ?? 500);
  };

  const finishIfExpected = (): boolean => {
    if (expectCount < 0) return false;
    if (delivered < expectCount && performance.now() - lastProgress < 5_000) return false;
    if (delivered !== expectCount) fail(`received ${delivered} of ${expectCount} messages`);
    emit("final", {
      received: delivered,
      expected: expectCount,
      errors,
      firstError,
      duplicates,
      reordered,
      outOfWindow,
    });
    return true;
  };
  // the final tally may be due while no datagram arrives
  const finisher = setInterval(() => {
    if (finishIfExpected()) {
      clearInterval(finisher);
      clearInterval(idleAcks);
      running = false;
    }
  }, 20);

  while (running) {
    let data: Uint8Array;
    let from: Deno.Addr;
    try {
      [data, from] = await conn.receive(buf);
    } catch {
      break; // socket closed
    }
    if (data.length < HEADER + tag || data[0] !== KIND_DATA) continue;
    const seq = readU32(data, 1);
    let body = data, length = data.length;
    if (encrypt && seq >= nextDatagram && seq < nextDatagram + window) {
      // new and within the window: authenticate and decrypt (the header is the associated data)
      const n = dataCipher.openAfterHeader(nonceOf(seq), data, HEADER, plain, HEADER);
      if (n < 0) {
        fail(`datagram ${seq} does not authenticate`);
        continue;
      }
      for (let i = 0; i < HEADER; i++) plain[i] = data[i];
      body = plain;
      length = HEADER + n;
    }
    sender ??= from as Deno.NetAddr;
    if (seq === nextDatagram) {
      deliver(body, length);
      nextDatagram++;
      // datagrams held behind the gap may now be in order
      for (let s = nextDatagram % window; heldSeq[s] === nextDatagram; s = nextDatagram % window) {
        heldSeq[s] = -1;
        deliver(held[s], heldLength[s]);
        nextDatagram++;
      }
      lastProgress = performance.now();
      if (!started) startWindow();
      if (++unacked >= ackEvery) sendAck();
    } else if (seq < nextDatagram) {
      duplicates++;
      sendAck(); // the sender resent something already here: tell it where we are
    } else if (seq < nextDatagram + window && length <= datagramSize) {
      const s = seq % window;
      if (heldSeq[s] === seq) duplicates++;
      else {
        reordered++;
        held[s].set(body.subarray(0, length));
        heldSeq[s] = seq;
        heldLength[s] = length;
      }
      sendAck(); // a gap: report it at once
    } else {
      outOfWindow++;
    }
  }
  clearInterval(idleAcks);
  clearInterval(finisher);
}

/** Fills the window with sequenced messages; resends unreported datagrams on timeout. */
async function sender(): Promise<void> {
  const rtoMs = config.rtoMs ?? 20;
  const dropEvery = config.dropEvery ?? 0;
  const addr: Deno.NetAddr = { transport: "udp", hostname: HOST, port: config.port! };
  const slots = Array.from({ length: window }, () => {
    const b = new Uint8Array(datagramSize);
    b[0] = KIND_DATA;
    b[5] = perDatagram;
    return b;
  });
  const bodies = slots.map((b) => b.subarray(HEADER, datagramSize - tag));
  const reported = new Uint8Array(window); // selectively acknowledged, waiting for the gap
  const batch = 16;
  const sends: Promise<number>[] = new Array(batch);
  let base = 0; // oldest unacknowledged datagram
  let next = 0; // next new datagram
  let message = 0;
  let retransmits = 0, timeouts = 0;
  let wake: (() => void) | undefined;
  let progressAt = performance.now();
  // CPU per message from the end of the warm-up to the stop (about the receiver's window)
  const cpu = new CpuWindow();
  const warmup = setTimeout(() => cpu.mark(message), config.warmupMs ?? 500);
  // api: the app tops a bounded queue up with fresh views (carved from 64 KiB chunks, as the
  // one-way benchmarks feed our peer); datagrams are built from it
  const outbox = new MessageQueue(512 * 1024, 64 * 1024);
  let chunk = new Uint8Array(0), used = 0, queued = 0;
  const topUp = () => {
    for (;;) {
      if (used + size > chunk.length) chunk = new Uint8Array(64 * 1024), used = 0;
      const payload = chunk.subarray(used, used + size);
      writeU32(payload, 0, queued + 1);
      writeU32(payload, size - 4, queued + 1);
      if (!outbox.put(payload)) return;
      used += size;
      queued++;
    }
  };
  let cpuUsPerMessage = NaN;

  (async () => {
    const buf = new Uint8Array(64);
    while (true) {
      let data: Uint8Array;
      try {
        [data] = await conn.receive(buf);
      } catch {
        return; // socket closed
      }
      if (data.length !== ackSize || data[0] !== KIND_ACK) continue;
      if (encrypt) {
        // opened in place; an ack that does not authenticate is ignored
        const body = data.subarray(ackHeader);
        if (ackCipher.openAfterHeader(nonceOf(readU32(data, 1)), data, ackHeader, body) < 0) {
          continue;
        }
      }
      const cumulative = readU32(data, ackHeader);
      if (cumulative > next) continue; // acknowledges what was never sent: ignore
      if (cumulative > base) {
        for (let s = base; s < cumulative; s++) reported[s % window] = 0;
        base = cumulative;
        progressAt = performance.now();
      }
      const hi = readU32(data, ackHeader + 4), lo = readU32(data, ackHeader + 8);
      for (let bit = 1; bit < MAP_BITS; bit++) {
        const set = bit < 32 ? (lo >>> bit) & 1 : (hi >>> (bit - 32)) & 1;
        const seq = cumulative + bit;
        if (set && seq < next) reported[seq % window] = 1;
      }
      wake?.();
    }
  })();

  const flush = async (count: number): Promise<boolean> => {
    try {
      for (let i = 0; i < count; i++) await sends[i];
      return true;
    } catch {
      return false; // socket closed
    }
  };

  const drainDeadline = () => performance.now() + 10_000;
  let giveUpAt = Infinity;
  while (running || base < next) {
    if (!running && giveUpAt === Infinity) {
      giveUpAt = drainDeadline();
      cpuUsPerMessage = cpu.perUnit(message); // the window ends at the stop, not the drain
    }
    if (performance.now() > giveUpAt) break;
    if (api && running) topUp();
    // api: whole datagrams only (the queue holds ~470 of them once topped up)
    const ready = api ? Math.floor(outbox.length / perDatagram) : batch;
    const room = running ? Math.min(batch, ready, window - (next - base)) : 0;
    if (room > 0) {
      for (let i = 0; i < room; i++) {
        const b = slots[next % window];
        writeU32(b, 1, next);
        if (api) {
          for (let m = 0, at = HEADER; m < perDatagram; m++, at += size) {
            b.set(outbox.take()!, at);
            message++;
          }
        } else {
          for (let m = 0, at = HEADER; m < perDatagram; m++, at += size) {
            message++;
            writeU32(b, at, message);
            writeU32(b, at + size - 4, message);
          }
        }
        if (encrypt) dataCipher.sealAfterHeader(nonceOf(next), b, HEADER, bodies[next % window]);
        // a deliberately "lost" datagram still counts as sent: only the resend delivers it
        sends[i] = dropEvery > 0 && next % dropEvery === dropEvery - 1
          ? Promise.resolve(0)
          : conn.send(b, addr);
        next++;
      }
      if (!await flush(room)) break;
      continue;
    }
    // window full (or draining): wait for an ack, or resend what the receiver has not reported
    let timer: ReturnType<typeof setTimeout> | undefined;
    const acked = await new Promise<boolean>((resolve) => {
      wake = () => resolve(true);
      timer = setTimeout(() => resolve(false), Math.max(1, progressAt + rtoMs - performance.now()));
    });
    clearTimeout(timer);
    wake = undefined;
    if (acked || performance.now() - progressAt < rtoMs) continue;
    timeouts++;
    progressAt = performance.now();
    let pending = 0;
    for (let s = base; s < next; s++) {
      if (reported[s % window]) continue;
      sends[pending++] = conn.send(slots[s % window], addr);
      retransmits++;
      if (pending === batch) {
        if (!await flush(pending)) break;
        pending = 0;
      }
    }
    if (!await flush(pending)) break;
  }
  clearTimeout(warmup);
  emit("done", {
    sent: message,
    datagrams: next,
    acked: base,
    retransmits,
    timeouts,
    cpuUsPerMessage,
  });
}

await (config.role === "sender" ? sender() : receiver());
