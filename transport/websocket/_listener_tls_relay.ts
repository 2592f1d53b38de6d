/**
 * TLS for sockets accepted on a plain TCP listener, by relaying each one through a loopback
 * `Deno.listenTls` listener. Why not serve TLS on the public port directly: Deno does not
 * release a TLS socket whose handshake has not finished when it is closed; it keeps it until
 * the peer sends something or goes away (measured: over 120 s). A client that connects and
 * never sends its hello would thus keep a server socket however the server "closes" it. With
 * the relay, the public socket stays a plain TCP socket we can always close, and closing the
 * loopback client end makes the TLS side's pending handshake fail at once.
 *
 * Costs: three sockets per TLS client instead of one, and each byte crosses the loopback once
 * more.
 *
 * @module
 */
import { closeQuietly, type ListenerSocket } from "./_listener_io.ts";

const PUMP_BUFFER_BYTES = 16 * 1024;
// how long a closed session may take to flush its last bytes (close_notify, a close frame)
const FLUSH_GRACE_MS = 1000;
// how long attach() waits for the loopback listener to hand over the TLS side
const ATTACH_TIMEOUT_MS = 2000;
// loopback arrivals not yet claimed (claimed within microseconds; only a local intruder piles up)
const MAX_UNCLAIMED = 256;

/**
 * One client's TLS session: reads and writes are plaintext; the relay pumps ciphertext between
 * the public socket and the loopback TLS listener.
 *
 * @example
 * ```ts
 * import type { RelayedSocket } from "./_listener_tls_relay.ts";
 * // from TlsRelay.attach(); used like a Deno.Conn, closed like one
 * async function greet(session: RelayedSocket) {
 *   await session.write(new TextEncoder().encode("hello over TLS"));
 *   session.close();
 *   await session.done; // every socket of the session is released
 * }
 * ```
 */
export class RelayedSocket implements ListenerSocket {
  readonly #tls: Deno.TlsConn;
  readonly #outer: Deno.Conn;
  readonly #inner: Deno.TcpConn;
  #handshaken = false;
  #closing = false;
  #graceTimer: ReturnType<typeof setTimeout> | undefined;
  /** Resolves once both pumps ended and every socket is closed. */
  readonly done: Promise<void>;

  /** Starts pumping; `outer` is the public socket, `inner` our loopback client end of `tls`. */
  constructor(tls: Deno.TlsConn, outer: Deno.Conn, inner: Deno.TcpConn) {
    this.#tls = tls;
    this.#outer = outer;
    this.#inner = inner;
    const handshake = tls.handshake().then(() => {
      this.#handshaken = true;
    }, () => {});
    this.done = Promise.all([
      this.#pump(outer, inner, true),
      this.#pump(inner, outer, false),
      handshake,
    ]).then(() => {
      clearTimeout(this.#graceTimer);
    });
  }

  /** True once the TLS handshake completed (before that, nothing can be written). */
  get handshaken(): boolean {
    return this.#handshaken;
  }

  /** Reads plaintext. */
  read(buffer: Uint8Array): Promise<number | null> {
    return this.#tls.read(buffer);
  }

  /** Writes plaintext. */
  write(bytes: Uint8Array): Promise<number> {
    return this.#tls.write(bytes);
  }

  /**
   * Ends the session. After a completed handshake the TLS side is closed first and its last
   * bytes get up to a second to reach the client; before, everything closes at once.
   */
  close(): void {
    if (this.#closing) return;
    this.#closing = true;
    closeQuietly(this.#tls);
    if (!this.#handshaken) return this.#closeAll();
    this.#graceTimer = setTimeout(() => this.#closeAll(), FLUSH_GRACE_MS);
  }

  #closeAll(): void {
    this.#closing = true;
    clearTimeout(this.#graceTimer);
    closeQuietly(this.#tls);
    closeQuietly(this.#inner);
    closeQuietly(this.#outer);
  }

  /** Copies `from` to `to` until either ends; the client's end of stream is passed on. */
  async #pump(from: Deno.Conn, to: Deno.Conn, fromClient: boolean): Promise<void> {
    const buffer = new Uint8Array(PUMP_BUFFER_BYTES);
    try {
      for (;;) {
        const count = await from.read(buffer);
        if (count === null) break;
        let at = 0;
        while (at < count) at += await to.write(buffer.subarray(at, count));
      }
      if (fromClient) {
        // the client finished sending: let the TLS side see the end, it will close in turn
        await to.closeWrite();
        return;
      }
    } catch {
      // a socket failed or was closed: tear the session down
    }
    this.#closeAll();
  }
}

/**
 * The loopback TLS listener and the pairing of its sessions with public sockets.
 *
 * @example
 * ```ts
 * import { TlsRelay } from "./_listener_tls_relay.ts";
 * async function serveOne(cert: string, key: string, port: number) {
 *   const relay = TlsRelay.open(cert, key);
 *   const publicListener = Deno.listen({ port });
 *   const session = await relay.attach(await publicListener.accept()); // TLS on that socket
 *   const request = new Uint8Array(1024);
 *   await session?.read(request);
 *   session?.close();
 *   await session?.done;
 *   publicListener.close();
 *   await relay.close();
 * }
 * ```
 */
export class TlsRelay {
  readonly #listener: Deno.TlsListener;
  readonly #port: number;
  readonly #waiting = new Map<number, (tls: Deno.TlsConn) => void>();
  readonly #unclaimed = new Map<number, Deno.TlsConn>();
  readonly #acceptLoop: Promise<void>;
  #closed = false;

  private constructor(listener: Deno.TlsListener) {
    this.#listener = listener;
    this.#port = listener.addr.port;
    this.#acceptLoop = this.#accept();
  }

  /** Binds the loopback TLS listener (throws as `Deno.listenTls` does for bad PEM). */
  static open(cert: string, key: string): TlsRelay {
    return new TlsRelay(Deno.listenTls({ hostname: "127.0.0.1", port: 0, cert, key }));
  }

  /** Relays `outer` through a new TLS session; undefined when that failed (outer is left open). */
  async attach(outer: Deno.Conn): Promise<RelayedSocket | undefined> {
    if (this.#closed) return undefined;
    let inner: Deno.TcpConn;
    try {
      inner = await Deno.connect({ hostname: "127.0.0.1", port: this.#port });
      inner.setNoDelay(true);
    } catch {
      return undefined;
    }
    const port = (inner.localAddr as Deno.NetAddr).port;
    let tls = this.#unclaimed.get(port);
    if (tls !== undefined) {
      this.#unclaimed.delete(port);
    } else {
      let timer: ReturnType<typeof setTimeout> | undefined;
      tls = await new Promise<Deno.TlsConn | undefined>((resolve) => {
        this.#waiting.set(port, resolve);
        timer = setTimeout(() => resolve(undefined), ATTACH_TIMEOUT_MS);
      });
      clearTimeout(timer);
      this.#waiting.delete(port);
    }
    if (tls === undefined || this.#closed) {
      if (tls !== undefined) closeQuietly(tls);
      closeQuietly(inner);
      return undefined;
    }
    return new RelayedSocket(tls, outer, inner);
  }

  /** Stops the loopback listener (sessions already attached are closed by their owners). */
  async close(): Promise<void> {
    this.#closed = true;
    closeQuietly(this.#listener);
    await this.#acceptLoop;
    for (const tls of this.#unclaimed.values()) closeQuietly(tls);
    this.#unclaimed.clear();
  }

  async #accept(): Promise<void> {
    while (!this.#closed) {
      let tls: Deno.TlsConn;
      try {
        tls = await this.#listener.accept();
      } catch {
        if (this.#closed) return;
        // transient (e.g. descriptors exhausted): pause so the loop does not spin
        await new Promise((resolve) => setTimeout(resolve, 50));
        continue;
      }
      const port = (tls.remoteAddr as Deno.NetAddr).port;
      const waiter = this.#waiting.get(port);
      if (waiter !== undefined) {
        waiter(tls);
        continue;
      }
      // our connect() has not resolved yet: keep it for attach(), bounded
      if (this.#unclaimed.size >= MAX_UNCLAIMED) {
        const [oldestPort, oldest] = this.#unclaimed.entries().next().value!;
        this.#unclaimed.delete(oldestPort);
        closeQuietly(oldest);
      }
      this.#unclaimed.set(port, tls);
    }
  }
}
