/**
 * Bound of the reliable ping-pong: the same round trip in a minimal script, so the ratio our
 * stack reaches can be read against what TypeScript on Deno does with nothing else on the path.
 * Two processes (this script starts the echo as a child of itself), one 32 B message in flight:
 *
 * - `raw`: the datagram is echoed as it is (the bench's raw floor);
 * - `reliable`: a minimal reliable echo, a u32 sequence and ack header and per-peer state (the
 *   unacknowledged datagram kept for a resend), no timer;
 * - `rearm`: the same with a naive retransmission timer, `clearTimeout` + `setTimeout` on every
 *   send, on both ends.
 *
 * Prints the round trip's p50 / p99 after a 2000-round warm-up and the echo process's CPU per
 * round trip (both processes are CPU on the round trip's critical path).
 *
 * Run: `deno run --allow-net --unstable-net --allow-run bench/bounds/minimal_echo.ts
 * [raw|reliable|rearm] [rounds]`
 *
 * @module
 */

/** How the two ends treat each datagram (see the module doc). */
export type EchoMode = "raw" | "reliable" | "rearm";

const HEADER = 8;
const WARMUP = 2000;
const DONE = 1; // a 1-byte datagram ends the echo

/**
 * One end's protocol state: numbers what it sends, acknowledges what it got.
 *
 * @example
 * ```ts
 * import { MinimalEnd } from "./minimal_echo.ts";
 * const a = new MinimalEnd("reliable"), b = new MinimalEnd("reliable");
 * const out = new Uint8Array(64);
 * const n = a.wrap(new Uint8Array(32), out, () => {});
 * console.log(b.accept(out.subarray(0, n))); // true: the next in-order datagram
 * a.close();
 * ```
 */
export class MinimalEnd {
  readonly #mode: EchoMode;
  #nextSeq = 1;
  #expected = 1;
  #lastAcked = 0;
  #unacked?: Uint8Array;
  #timer?: ReturnType<typeof setTimeout>;

  /** An end speaking `mode`. */
  constructor(mode: EchoMode) {
    this.#mode = mode;
  }

  /**
   * Writes `payload` behind the header into `out` and returns the datagram's length; with
   * `rearm`, restarts the retransmission timer (`resend` runs if it fires).
   */
  wrap(payload: Uint8Array, out: Uint8Array, resend: (bytes: Uint8Array) => void): number {
    if (this.#mode === "raw") {
      out.set(payload);
      return payload.length;
    }
    const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
    view.setUint32(0, this.#nextSeq++);
    view.setUint32(4, this.#expected - 1);
    out.set(payload, HEADER);
    const n = HEADER + payload.length;
    const unacked = this.#unacked = out.subarray(0, n);
    if (this.#mode === "rearm") {
      if (this.#timer !== undefined) clearTimeout(this.#timer);
      this.#timer = setTimeout(() => {
        if (this.#unacked === unacked) resend(unacked);
      }, 200);
    }
    return n;
  }

  /** Takes in one datagram; true when it is new data in order (its payload follows the header). */
  accept(bytes: Uint8Array): boolean {
    if (this.#mode === "raw") return true;
    if (bytes.length < HEADER) return false;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const seq = view.getUint32(0), ack = view.getUint32(4);
    if (ack > this.#lastAcked) {
      this.#lastAcked = ack;
      if (ack === this.#nextSeq - 1) this.#unacked = undefined;
    }
    if (seq !== this.#expected) return false;
    this.#expected++;
    return true;
  }

  /** Bytes of header in front of each payload. */
  get header(): number {
    return this.#mode === "raw" ? 0 : HEADER;
  }

  /** Stops the timer. */
  close(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}

// a timer's resend: nobody awaits it, so a closed socket must not become an unhandled rejection
function resend(conn: Deno.DatagramConn, bytes: Uint8Array, to: Deno.Addr): void {
  conn.send(bytes, to).catch(() => {});
}

/** Runs the echo end on `port` until the ping ends it; prints its CPU per round trip. */
async function echo(mode: EchoMode, port: number): Promise<void> {
  const conn = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port });
  // a lost end-of-run datagram must not leave the child behind
  Deno.unrefTimer(setTimeout(() => Deno.exit(2), 600_000));
  console.log("ready");
  const end = new MinimalEnd(mode), buf = new Uint8Array(2048), out = new Uint8Array(2048);
  let rounds = 0, cpu0 = process.cpuUsage();
  for (;;) {
    const [bytes, from] = await conn.receive(buf);
    if (bytes.length === DONE) break;
    if (++rounds === WARMUP) cpu0 = process.cpuUsage();
    if (!end.accept(bytes)) continue;
    const n = end.wrap(bytes.subarray(end.header), out, (b) => resend(conn, b, from));
    await conn.send(out.subarray(0, n), from);
  }
  const used = process.cpuUsage(cpu0);
  console.log(`echo cpu ${((used.user + used.system) / (rounds - WARMUP)).toFixed(1)}`);
  end.close();
  conn.close();
}

/**
 * Measures `rounds` round trips against an echo child speaking `mode` on `port`.
 *
 * @example
 * ```ts ignore
 * import { minimalEcho } from "./minimal_echo.ts";
 * console.log(await minimalEcho("reliable", 20_000, 7380));
 * ```
 */
export async function minimalEcho(
  mode: EchoMode,
  rounds: number,
  port: number,
): Promise<{ p50Us: number; p99Us: number; echoCpuUs: number }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-net",
      "--unstable-net",
      import.meta.filename!,
      "--echo",
      mode,
      `${port}`,
    ],
    stdout: "piped",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("ready\n")) {
    const { value, done } = await lines.read();
    if (done) throw new Error("the echo did not start");
    text += value;
  }
  const conn = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const to: Deno.NetAddr = { transport: "udp", hostname: "127.0.0.1", port };
  const end = new MinimalEnd(mode), buf = new Uint8Array(2048), out = new Uint8Array(2048);
  const payload = new Uint8Array(32), rtts = new Float64Array(rounds);
  for (let i = 0; i < WARMUP + rounds; i++) {
    const t0 = performance.now();
    const n = end.wrap(payload, out, (b) => resend(conn, b, to));
    await conn.send(out.subarray(0, n), to);
    for (;;) {
      const [bytes] = await conn.receive(buf);
      if (end.accept(bytes)) break;
    }
    if (i >= WARMUP) rtts[i - WARMUP] = (performance.now() - t0) * 1000;
  }
  end.close();
  await conn.send(new Uint8Array(DONE), to);
  conn.close();
  for (;;) {
    const { value, done } = await lines.read();
    if (done) break;
    text += value;
  }
  await child.status;
  rtts.sort();
  const cpu = /echo cpu ([\d.]+)/.exec(text);
  return {
    p50Us: rtts[rounds >> 1],
    p99Us: rtts[Math.floor(rounds * 0.99)],
    echoCpuUs: cpu ? Number(cpu[1]) : NaN,
  };
}

if (import.meta.main) {
  if (Deno.args[0] === "--echo") {
    await echo(Deno.args[1] as EchoMode, Number(Deno.args[2]));
  } else {
    const mode = (Deno.args[0] ?? "reliable") as EchoMode;
    const rounds = Number(Deno.args[1] ?? 20_000);
    if (!["raw", "reliable", "rearm"].includes(mode) || !(rounds > 0)) {
      throw new RangeError("usage: minimal_echo.ts [raw|reliable|rearm] [rounds]");
    }
    const r = await minimalEcho(mode, rounds, 7380);
    console.log(
      `${mode}: p50 ${r.p50Us.toFixed(0)} us, p99 ${r.p99Us.toFixed(0)} us, echo CPU ` +
        `${r.echoCpuUs.toFixed(1)} us per round trip (${rounds} round trips)`,
    );
  }
}
