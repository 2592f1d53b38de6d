/**
 * Small socket chores of the listener that must never throw: closing, and answering then
 * closing within a bounded time (a peer that does not read, or never finishes its TLS
 * handshake, must not keep a refused socket alive).
 *
 * @module
 */

/**
 * The byte stream of one client as the listener uses it: a `Deno.Conn`, or a TLS session
 * relayed through the loopback (see `_listener_tls_relay.ts`).
 *
 * @example
 * ```ts
 * import type { ListenerSocket } from "./_listener_io.ts";
 * const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const client: ListenerSocket = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
 * client.close();
 * listener.close();
 * ```
 */
export interface ListenerSocket {
  /** Reads into `buffer`; null at the end of the stream. */
  read(buffer: Uint8Array): Promise<number | null>;
  /** Writes some of `bytes`; resolves how many. */
  write(bytes: Uint8Array): Promise<number>;
  /** Closes the stream; pending reads and writes end. */
  close(): void;
}

/**
 * Closes `conn`, ignoring "already closed".
 *
 * @example
 * ```ts
 * import { closeQuietly } from "./_listener_io.ts";
 * const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * closeQuietly(listener);
 * closeQuietly(listener); // no error the second time
 * ```
 */
export function closeQuietly(conn: { close(): void }): void {
  try {
    conn.close();
  } catch {
    // already closed
  }
}

/**
 * Writes all of `bytes` (a `write` may take only part).
 *
 * @example
 * ```ts
 * import { writeAll } from "./_listener_io.ts";
 * const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const client = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
 * const server = await listener.accept();
 * await writeAll(client, new Uint8Array([1, 2, 3]));
 * const got = new Uint8Array(3);
 * console.log(await server.read(got)); // 3
 * for (const c of [client, server, listener]) c.close();
 * ```
 */
export async function writeAll(conn: ListenerSocket, bytes: Uint8Array): Promise<void> {
  let at = 0;
  while (at < bytes.length) at += await conn.write(bytes.subarray(at));
}

/**
 * Writes `bytes` and closes `conn`; gives up writing after `timeoutMs`. Never rejects.
 * `onWritten` gets the number of bytes that went out.
 *
 * @example
 * ```ts
 * import { writeThenClose } from "./_listener_io.ts";
 * const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const client = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
 * const server = await listener.accept();
 * await writeThenClose(server, new TextEncoder().encode("bye"), 1000);
 * const got = new Uint8Array(8);
 * console.log(await client.read(got), await client.read(got)); // 3 null
 * client.close();
 * listener.close();
 * ```
 */
export async function writeThenClose(
  conn: ListenerSocket,
  bytes: Uint8Array,
  timeoutMs: number,
  onWritten?: (count: number) => void,
): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs);
  });
  const write = writeAll(conn, bytes).then(() => onWritten?.(bytes.length), () => {});
  try {
    await Promise.race([write, expired]);
  } finally {
    clearTimeout(timer);
    closeQuietly(conn);
    await write; // closing ends a stuck write; wait for it so no operation outlives us
  }
}
