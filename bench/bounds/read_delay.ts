/**
 * Bound of latency under load: how late Deno notices a datagram while the same process keeps
 * its event loop busy with completing operations. The runtime checks socket readiness when it
 * would otherwise wait, or every ~61 scheduler ticks while work keeps becoming ready, and every
 * completed send is such work. A process that sends a stream (a server broadcasting snapshots, a
 * bulk sender) therefore reads its socket late, whatever the protocol above does.
 *
 * One process: `a` sends 8 bytes to `b` every 2 ms (200 times) while `c` floods `d` with
 * 1200-byte datagrams (`none`: no flood; `awaited`: one send at a time; `bursts`: 16 at once).
 * Prints how long each datagram to `b` took to be read.
 *
 * Run: `deno run --allow-net --unstable-net bench/bounds/read_delay.ts`
 *
 * @module
 */

/**
 * Read latencies (ms, sorted) of 200 small datagrams while `flood` runs in the same process.
 *
 * @example
 * ```ts ignore
 * import { readDelay } from "./read_delay.ts";
 * const ms = await readDelay("awaited");
 * console.log(ms[Math.floor(ms.length / 2)]);
 * ```
 */
export async function readDelay(flood: "none" | "awaited" | "bursts"): Promise<number[]> {
  const open = () => Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const a = open(), b = open(), c = open(), d = open();
  const late: number[] = [];
  let sentAt = 0, flooding = flood !== "none";
  const drain = async (conn: Deno.DatagramConn, onRead?: () => void) => {
    const buf = new Uint8Array(2048);
    try {
      while (true) {
        await conn.receive(buf);
        onRead?.();
      }
    } catch {
      // closed
    }
  };
  const reads = [drain(b, () => late.push(performance.now() - sentAt)), drain(d)];
  const flooder = (async () => {
    const payload = new Uint8Array(1200), to = d.addr as Deno.NetAddr;
    await c.send(payload, to);
    while (flooding) {
      if (flood === "awaited") await c.send(payload, to);
      else {
        const burst: Promise<number>[] = [];
        for (let i = 0; i < 16; i++) burst.push(c.send(payload, to));
        await Promise.all(burst);
      }
    }
  })();
  const to = b.addr as Deno.NetAddr, probe = new Uint8Array(8);
  await a.send(probe, to);
  late.length = 0;
  for (let i = 0; i < 200; i++) {
    await new Promise((resolve) => setTimeout(resolve, 2));
    sentAt = performance.now();
    await a.send(probe, to);
  }
  await new Promise((resolve) => setTimeout(resolve, 10));
  flooding = false;
  await flooder;
  for (const conn of [a, b, c, d]) conn.close();
  await Promise.all(reads);
  return late.sort((x, y) => x - y);
}

if (import.meta.main) {
  for (const flood of ["none", "awaited", "bursts"] as const) {
    const ms = await readDelay(flood);
    const q = (p: number) => ms[Math.floor(p * (ms.length - 1))].toFixed(2);
    console.log(
      `flood ${flood.padEnd(7)}: read after p50 ${q(0.5)} ms, p90 ${q(0.9)} ms, max ${q(1)} ms ` +
        `(${ms.length} datagrams)`,
    );
  }
}
