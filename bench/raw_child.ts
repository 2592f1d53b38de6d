/**
 * Raw-UDP floor child: one message per datagram over `Deno.listenDatagram` with a reused receive
 * buffer. Roles: `sink` (counts, returns credit), `source` (windowed sender), `echo`, `ping` (in the
 * segments the parent sends, `lib/segments.ts`).
 * Run by `raw_floor.ts`; config is one JSON argument, events are JSON lines on stdout.
 *
 * @module
 */
import { emit, hardDeadline, listenCommands, readConfig } from "./lib/child_io.ts";
import { runSegments, SegmentGate } from "./lib/segments.ts";

/**
 * Configuration of one raw child.
 *
 * @example
 * ```ts
 * import type { RawChildConfig } from "./raw_child.ts";
 * let value: RawChildConfig | undefined;
 * ```
 */
export interface RawChildConfig {
  /** What this process does. */
  readonly role: "sink" | "source" | "echo" | "ping";
  /** Peer port (source and ping). */
  readonly port?: number;
  /** Datagram size in bytes. */
  readonly size?: number;
  /** Source: most datagrams sent and not yet credited by the sink. */
  readonly window?: number;
  /** Sink: return credit every this many datagrams. */
  readonly creditEvery?: number;
  /** Sink: ignore this long after the first datagram. */
  readonly warmupMs?: number;
  /** Sink: measure over this long. */
  readonly durationMs?: number;
  /** Hard deadline for the whole process. */
  readonly deadlineMs?: number;
}

const HOST = "127.0.0.1";
const KIND_DATA = 1;
const KIND_CREDIT = 2;
const KIND_PING = 3;

const config = readConfig<RawChildConfig>();
hardDeadline(config.deadlineMs ?? 60_000, `raw ${config.role}`);
const conn = Deno.listenDatagram({ transport: "udp", hostname: HOST, port: 0 });
let running = true;
const gate = new SegmentGate(); // ping: the parent's segments (lib/segments.ts)
listenCommands((command) => {
  if (command.cmd === "stop") {
    running = false;
    gate.close();
  } else gate.push(command);
}, () => {
  running = false;
  gate.close();
  try {
    conn.close();
  } catch {
    // Already closed.
  }
  return Promise.resolve();
});
emit("ready", { port: (conn.addr as Deno.NetAddr).port });

/** Counts data datagrams, returns the highest sequence seen as credit, reports the rate. */
async function sink(): Promise<void> {
  const buf = new Uint8Array(65536);
  const view = new DataView(buf.buffer);
  const credit = new Uint8Array(8);
  const creditView = new DataView(credit.buffer);
  credit[0] = KIND_CREDIT;
  const creditEvery = config.creditEvery ?? 32;
  let received = 0;
  let bytes = 0;
  let highest = 0;
  let sinceCredit = 0;
  let started = false;
  let mark = { t: 0, n: 0, b: 0 };
  while (true) {
    let data: Uint8Array;
    let from: Deno.Addr;
    try {
      [data, from] = await conn.receive(buf);
    } catch {
      return; // socket closed
    }
    if (data.length < 8 || data[0] !== KIND_DATA) continue;
    received++;
    bytes += data.length;
    const seq = view.getUint32(4);
    if (seq > highest) highest = seq;
    if (!started) {
      started = true;
      scheduleWindow(
        () => ({ t: performance.now(), n: received, b: bytes }),
        (m) => mark = m,
        () => {
          const dt = (performance.now() - mark.t) / 1000;
          emit("measured", {
            rate: (received - mark.n) / dt,
            bytesRate: (bytes - mark.b) / dt,
            lost: highest - received,
          });
        },
      );
    }
    if (++sinceCredit >= creditEvery) {
      sinceCredit = 0;
      creditView.setUint32(4, highest);
      try {
        await conn.send(credit, from as Deno.NetAddr);
      } catch {
        return;
      }
    }
  }
}

function scheduleWindow<T>(snap: () => T, begin: (m: T) => void, end: () => void): void {
  setTimeout(() => {
    begin(snap());
    setTimeout(end, config.durationMs ?? 2_000);
  }, config.warmupMs ?? 500);
}

/** Sends sequenced datagrams, keeping at most `window` beyond the last credit. */
async function source(): Promise<void> {
  const size = Math.max(8, config.size ?? 32);
  const window = config.window ?? 128;
  const addr: Deno.NetAddr = { transport: "udp", hostname: HOST, port: config.port! };
  // Sends are pipelined in batches; each in-flight send owns its buffer until it resolves.
  const batch = 16;
  const pool = Array.from({ length: batch }, () => {
    const b = new Uint8Array(size);
    b[0] = KIND_DATA;
    return { bytes: b, view: new DataView(b.buffer) };
  });
  const sends: Promise<number>[] = new Array(batch);
  let sent = 0;
  let credited = 0;
  let wake: (() => void) | undefined;
  let stalls = 0;
  (async () => {
    const buf = new Uint8Array(64);
    const view = new DataView(buf.buffer);
    while (running) {
      try {
        const [data] = await conn.receive(buf);
        if (data.length >= 8 && data[0] === KIND_CREDIT) {
          credited = Math.max(credited, view.getUint32(4));
          wake?.();
        }
      } catch {
        return;
      }
    }
  })();
  while (running) {
    const room = Math.min(batch, window - (sent - credited));
    if (room <= 0) {
      // Wait for credit; if none comes the credit datagram or the tail was lost: resync.
      let timer: ReturnType<typeof setTimeout> | undefined;
      const got = await new Promise<boolean>((resolve) => {
        wake = () => resolve(true);
        timer = setTimeout(() => resolve(false), 20);
      });
      clearTimeout(timer);
      wake = undefined;
      if (!got) {
        stalls++;
        credited = sent;
      }
      continue;
    }
    for (let i = 0; i < room; i++) {
      const slot = pool[i];
      slot.view.setUint32(4, ++sent);
      sends[i] = conn.send(slot.bytes, addr);
    }
    try {
      for (let i = 0; i < room; i++) await sends[i];
    } catch {
      break;
    }
  }
  emit("done", { sent, stalls });
}

/** Echoes every datagram back to its sender. */
async function echo(): Promise<void> {
  const buf = new Uint8Array(65536);
  while (true) {
    try {
      const [data, from] = await conn.receive(buf);
      await conn.send(data, from as Deno.NetAddr);
    } catch {
      return;
    }
  }
}

/** Round trips of one datagram at a time, in the segments the parent asks for. */
async function ping(): Promise<void> {
  const size = Math.max(8, config.size ?? 32);
  const addr: Deno.NetAddr = { transport: "udp", hostname: HOST, port: config.port! };
  const out = new Uint8Array(size);
  const outView = new DataView(out.buffer);
  out[0] = KIND_PING;
  const buf = new Uint8Array(65536);
  const inView = new DataView(buf.buffer);
  await runSegments(gate, () => running, async (i) => {
    outView.setUint32(4, i);
    const t0 = performance.now();
    await conn.send(out, addr);
    const [data] = await conn.receive(buf);
    const t1 = performance.now();
    return data.length === size && inView.getUint32(4) === i ? t1 - t0 : NaN;
  });
}

const roles = { sink, source, echo, ping };
await roles[config.role]();
