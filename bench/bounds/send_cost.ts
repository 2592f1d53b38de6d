/**
 * Bound of one-way throughput: what one UDP send costs in Deno on loopback, with nothing else
 * running. A sender of 32-byte messages packs ~34 of them per 1200-byte datagram, so its message
 * rate is at most 34 / (send cost + its own work per datagram); the raw floor sends 32-byte
 * datagrams with no work around them.
 *
 * Sends go to a socket nobody reads (the kernel still queues or drops each datagram: the same
 * path as a live receiver without waking it), awaited one at a time and started 64 at once.
 *
 * Run: `deno run --allow-net --unstable-net bench/bounds/send_cost.ts`
 *
 * @module
 */

const ROUNDS = 3, SENDS = 20_000;

/**
 * Microseconds per send of `size` bytes: awaited one by one, and started `batch` at a time.
 *
 * @example
 * ```ts ignore
 * import { sendCost } from "./send_cost.ts";
 * console.log(await sendCost(1200, 64));
 * ```
 */
export async function sendCost(
  size: number,
  batch: number,
): Promise<{ awaitedUs: number; batchedUs: number }> {
  const a = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const b = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const to = b.addr as Deno.NetAddr;
  const buf = new Uint8Array(size);
  try {
    await a.send(buf, to); // the first send learns the socket is writable
    let awaited = Infinity, batched = Infinity;
    for (let r = 0; r < ROUNDS; r++) {
      let t = performance.now();
      for (let i = 0; i < SENDS; i++) await a.send(buf, to);
      awaited = Math.min(awaited, (performance.now() - t) * 1000 / SENDS);
      t = performance.now();
      const pending: Promise<number>[] = new Array(batch);
      for (let i = 0; i < SENDS; i += batch) {
        for (let k = 0; k < batch; k++) pending[k] = a.send(buf, to);
        await Promise.all(pending);
      }
      batched = Math.min(batched, (performance.now() - t) * 1000 / SENDS);
    }
    return { awaitedUs: awaited, batchedUs: batched };
  } finally {
    a.close();
    b.close();
  }
}

if (import.meta.main) {
  for (const size of [32, 200, 1200]) {
    const r = await sendCost(size, 64);
    console.log(
      `${String(size).padStart(4)} B: ${r.awaitedUs.toFixed(2)} us per send awaited one by one, ` +
        `${r.batchedUs.toFixed(2)} us started 64 at once (best of ${ROUNDS} x ${SENDS})`,
    );
  }
}
