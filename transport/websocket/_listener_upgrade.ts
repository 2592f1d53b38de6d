/**
 * The opening-handshake phase of one socket: read the request head into a bounded parser
 * and check it is a WebSocket upgrade. The caller owns the deadline (it closes the socket,
 * which ends the read here).
 *
 * @module
 */
import {
  checkUpgradeRequest,
  HttpHeadParser,
  type UpgradeRefusal,
  type UpgradeRequest,
} from "../../protocol/websocket/mod.ts";
import type { ListenerSocket } from "./_listener_io.ts";
import type { Counters } from "./_listener_stats.ts";

/** How reading the request head ended. */
export type HeadOutcome =
  | {
    readonly kind: "request";
    readonly request: UpgradeRequest;
    /** Bytes that followed the head in the same read (a view of the read buffer). */
    readonly leftover: Uint8Array;
  }
  | { readonly kind: "refused"; readonly refusal: UpgradeRefusal }
  | { readonly kind: "gone" };

const GONE: HeadOutcome = { kind: "gone" };

/**
 * Reads from `conn` into `buffer` until a whole request head is parsed, then checks it.
 * `gone` when the socket ended, failed, or `stopped()` turned true (the deadline passed).
 *
 * @example
 * ```ts
 * import { readUpgradeRequest } from "./_listener_upgrade.ts";
 * import { newCounters } from "./_listener_stats.ts";
 * const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const client = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
 * const server = await listener.accept();
 * await client.write(new TextEncoder().encode("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
 * const outcome = await readUpgradeRequest(server, new Uint8Array(1024), 8192, newCounters(), () => false);
 * if (outcome.kind === "refused") console.log(outcome.refusal.reason); // not a WebSocket upgrade request
 * for (const c of [client, server, listener]) c.close();
 * ```
 */
export async function readUpgradeRequest(
  conn: ListenerSocket,
  buffer: Uint8Array,
  maxHeadBytes: number,
  counters: Counters,
  stopped: () => boolean,
): Promise<HeadOutcome> {
  const parser = new HttpHeadParser({
    maxHeadBytes,
    maxLineBytes: Math.min(4096, maxHeadBytes),
  });
  for (;;) {
    let count: number | null;
    try {
      count = await conn.read(buffer);
    } catch {
      return GONE;
    }
    if (count === null || stopped()) return GONE;
    counters.bytesIn += count;
    const result = parser.push(buffer.subarray(0, count));
    if (result.state === "incomplete") continue;
    if (result.state === "error") {
      return {
        kind: "refused",
        refusal: { status: result.status, reason: result.reason, headers: [] },
      };
    }
    const check = checkUpgradeRequest(result.head);
    if (!check.ok) return { kind: "refused", refusal: check.refusal };
    return {
      kind: "request",
      request: check.request,
      leftover: buffer.subarray(result.consumed, count),
    };
  }
}
