/**
 * A receive thread for a UDP port: a worker whose only job is to read the socket into a shared
 * ring, so a busy main thread (a broadcast turn, a GC pause) no longer lets the kernel's fixed
 * ~208 KiB receive buffer (about 256 small datagrams) overflow. The ring is the receive buffer,
 * sized by us.
 *
 * Two sockets share the port (`reuseAddress`): the main thread's, bound first, sends; the
 * worker's, bound last, is the one Linux delivers unicast datagrams to. `start` proves that with
 * a probe datagram and reports failure (other platforms) so the caller can fall back.
 *
 * @module
 */
import { nextMacrotask } from "../time/_macrotask.ts";

/**
 * The ring's layout, shared by both sides (the worker gets it in its start message). Entries:
 * u16 length, u16 address slot, u8 kind, 3 spare, then the bytes, padded to 4.
 */
const LAYOUT = {
  /** Bytes of one entry header. */
  header: 8,
  /** Entry kinds: a datagram, a new remote address (u16 port + hostname), the ring's end. */
  datagram: 0,
  address: 1,
  wrap: 2,
  /** Distinct remote addresses numbered before slots are reused (bounds the worker's map). */
  slots: 65536,
  /** Int32 slots of the control block. */
  write: 0,
  read: 1,
  armed: 2,
  drops: 3,
  closed: 4,
  oversized: 5,
} as const;
const CONTROL_INTS = 8;
/** Datagrams handed over before the event loop gets a turn (timers, the end-of-turn flush). */
const DRAIN_BATCH = 256;
const { header: ENTRY_HEADER, address: KIND_ADDRESS, wrap: KIND_WRAP } = LAYOUT;
const { write: WRITE, read: READ, armed: ARMED, drops: DROPS, oversized: OVERSIZED } = LAYOUT;

/** What the worker is told at start. */
interface ReceiveThreadConfig {
  hostname: string;
  port: number;
  maxReceiveSize: number;
  control: SharedArrayBuffer;
  ring: SharedArrayBuffer;
  /** The start-up probe's bytes (random, so no remote can imitate it). */
  probe: Uint8Array;
  layout: typeof LAYOUT;
  maxConsecutiveErrors: number;
}

/**
 * The worker's body. Serialized with `toString()` into a Blob URL (a remote importer would
 * otherwise need `--allow-import` for the worker module), so it uses nothing from outside.
 */
function receiveThreadMain(): void {
  const self = globalThis as unknown as {
    onmessage: ((e: MessageEvent) => void) | null;
    postMessage(message: unknown): void;
    close(): void;
  };
  self.onmessage = async (e: MessageEvent) => {
    const config = e.data as ReceiveThreadConfig;
    const { header, datagram, address, wrap, slots } = config.layout;
    const { write: WRITE, read: READ, armed: ARMED, drops: DROPS } = config.layout;
    const { closed: CLOSED, oversized: OVERSIZED } = config.layout;
    const control = new Int32Array(config.control);
    const ring = new Uint8Array(config.ring);
    const view = new DataView(config.ring);
    const mask = ring.length - 1; // a power of two: offsets stay right across the u32 wrap
    let conn: Deno.DatagramConn;
    try {
      conn = Deno.listenDatagram({
        transport: "udp",
        hostname: config.hostname,
        port: config.port,
        reuseAddress: true,
      });
    } catch (error) {
      self.postMessage({ bound: false, error: String(error) });
      return;
    }
    self.postMessage({ bound: true });
    const encoder = new TextEncoder();
    const ids = new Map<string, number>();
    const keys: (string | undefined)[] = [];
    let nextId = 0;
    let write = 0;
    let probed = false;
    const buffer = new Uint8Array(config.maxReceiveSize + 2);
    const wake = () => {
      // a message, not Atomics.notify: Deno settles Atomics.waitAsync only milliseconds later
      if (Atomics.load(control, ARMED) === 1 && Atomics.exchange(control, ARMED, 0) === 1) {
        self.postMessage(0);
      }
    };
    // room for `n` bytes at the write position, wrapping when the tail is too short
    const reserve = (n: number): boolean => {
      const used = (write - (Atomics.load(control, READ) >>> 0)) >>> 0;
      const offset = write & mask;
      const tail = mask + 1 - offset;
      if (tail < n) {
        if (used + tail + n > mask + 1) return false;
        if (tail >= header) view.setUint8(offset + 4, wrap);
        write = (write + tail) >>> 0;
        return true;
      }
      return used + n <= mask + 1;
    };
    const commit = (n: number) => {
      write = (write + n) >>> 0;
      Atomics.store(control, WRITE, write | 0);
    };
    let failed = false, errors = 0;
    for (;;) {
      let bytes: Uint8Array, from: Deno.NetAddr;
      try {
        const r = await conn.receive(buffer);
        bytes = r[0];
        from = r[1] as Deno.NetAddr;
        errors = 0;
      } catch {
        if (Atomics.load(control, CLOSED) === 1) break;
        // a broken socket would spin: give the port back to the main thread's socket
        if (++errors >= config.maxConsecutiveErrors) {
          failed = true;
          break;
        }
        continue;
      }
      if (Atomics.load(control, CLOSED) === 1) break;
      const probe = config.probe;
      if (!probed && bytes.length === probe.length && bytes.every((b, i) => b === probe[i])) {
        probed = true;
        self.postMessage({ probed: true });
        continue;
      }
      if (bytes.length > config.maxReceiveSize) {
        Atomics.add(control, OVERSIZED, 1); // truncated: never hand over a partial datagram
        continue;
      }
      const key = from.hostname + " " + from.port;
      let id = ids.get(key);
      const entry = (header + bytes.length + 3) & ~3;
      if (id === undefined) {
        const name = encoder.encode(from.hostname);
        const announce = (header + 2 + name.length + 3) & ~3;
        if (!reserve(announce + entry)) {
          Atomics.add(control, DROPS, 1);
          wake();
          continue;
        }
        id = nextId;
        nextId = (nextId + 1) % slots;
        const old = keys[id];
        if (old !== undefined) ids.delete(old);
        keys[id] = key;
        ids.set(key, id);
        const at = write & mask;
        view.setUint16(at, 2 + name.length);
        view.setUint16(at + 2, id);
        view.setUint8(at + 4, address);
        view.setUint16(at + header, from.port);
        ring.set(name, at + header + 2);
        commit(announce);
      }
      if (!reserve(entry)) {
        Atomics.add(control, DROPS, 1);
        wake();
        continue;
      }
      const at = write & mask;
      view.setUint16(at, bytes.length);
      view.setUint16(at + 2, id);
      view.setUint8(at + 4, datagram);
      ring.set(bytes, at + header);
      commit(entry);
      wake();
    }
    try {
      conn.close();
    } catch {
      // closed already
    }
    self.postMessage({ closed: true, failed });
    self.close();
  };
}

/** A datagram handed over by the thread: a view that is valid until the handler returns. */
export type ThreadDatagramHandler = (
  bytes: Uint8Array,
  from: { hostname: string; port: number; transport: "udp" },
) => void;

/**
 * Main-thread side of a receive thread: starts the worker, drains the ring.
 *
 * @example
 * ```ts
 * import { ReceiveThread } from "./_receive_thread.ts";
 * const conn = Deno.listenDatagram({
 *   transport: "udp",
 *   hostname: "127.0.0.1",
 *   port: 0,
 *   reuseAddress: true,
 * });
 * const port = (conn.addr as Deno.NetAddr).port;
 * const thread = await ReceiveThread.start({
 *   hostname: "127.0.0.1",
 *   port,
 *   maxReceiveSize: 2048,
 *   sender: conn,
 * });
 * console.log(thread !== undefined); // true on Linux
 * await thread?.close();
 * conn.close();
 * ```
 */
export class ReceiveThread {
  readonly #worker: Worker;
  readonly #control: Int32Array;
  readonly #ring: Uint8Array;
  readonly #view: DataView;
  readonly #copy: Uint8Array;
  readonly #addresses: ({ hostname: string; port: number; transport: "udp" } | undefined)[] = [];
  readonly #decoder = new TextDecoder();
  #read = 0;
  #wake?: () => void;
  #closed = false;
  #loop?: Promise<void>;
  #exited: Promise<void>;
  #onExit!: () => void;
  #onLost?: () => void;
  /** The caller's socket on the port (it sends the probe and the wake-up at close). */
  readonly #sender: Deno.DatagramConn;
  /** The port as this host reaches it (a wildcard bind is reached on loopback). */
  readonly #self: Deno.NetAddr;

  private constructor(
    worker: Worker,
    control: Int32Array,
    ring: Uint8Array,
    maxReceive: number,
    sender: Deno.DatagramConn,
    self: Deno.NetAddr,
  ) {
    this.#worker = worker;
    this.#sender = sender;
    this.#self = self;
    this.#control = control;
    this.#ring = ring;
    this.#view = new DataView(ring.buffer);
    this.#copy = new Uint8Array(maxReceive);
    this.#exited = new Promise((resolve) => this.#onExit = resolve);
  }

  /** Datagrams the thread dropped because the ring was full. */
  get drops(): number {
    return Atomics.load(this.#control, DROPS);
  }

  /** Datagrams the thread dropped for exceeding `maxReceiveSize`. */
  get oversized(): number {
    return Atomics.load(this.#control, OVERSIZED);
  }

  /**
   * Binds the worker's socket to `hostname:port`, which `sender` (the caller's send socket, bound
   * with `reuseAddress`) already holds, proves it receives the port's datagrams, and returns the
   * thread; undefined when this platform does not deliver to it (the caller keeps reading its own
   * socket). `sender` also wakes the worker at `close()`; a ring of `ringBytes` (a power of two,
   * default 4 MiB) holds what the main thread has not read yet.
   */
  static async start(options: {
    hostname: string;
    port: number;
    maxReceiveSize: number;
    ringBytes?: number;
    sender: Deno.DatagramConn;
  }): Promise<ReceiveThread | undefined> {
    const source = `(${receiveThreadMain.toString()})();`;
    const url = URL.createObjectURL(new Blob([source], { type: "application/javascript" }));
    const worker = new Worker(url, { type: "module" });
    URL.revokeObjectURL(url);
    const control = new SharedArrayBuffer(CONTROL_INTS * 4);
    const ringBytes = options.ringBytes ?? 4 * 1024 * 1024;
    if (ringBytes < 4096 || (ringBytes & (ringBytes - 1)) !== 0) {
      throw new RangeError(`ringBytes must be a power of two of at least 4096, got ${ringBytes}`);
    }
    const ringBuffer = new SharedArrayBuffer(ringBytes);
    const hostname = options.hostname;
    const thread = new ReceiveThread(
      worker,
      new Int32Array(control),
      new Uint8Array(ringBuffer),
      options.maxReceiveSize,
      options.sender,
      {
        transport: "udp",
        hostname: hostname === "0.0.0.0" ? "127.0.0.1" : hostname === "::" ? "::1" : hostname,
        port: options.port,
      },
    );
    const probe = crypto.getRandomValues(new Uint8Array(16));
    const replies: ((m: Record<string, unknown>) => void)[] = [];
    worker.onmessage = (e) => {
      if (e.data === 0) {
        thread.#wakeDrain();
        return;
      }
      const message = e.data as { closed?: boolean; failed?: boolean };
      if (message.closed) {
        thread.#onExit();
        if (message.failed) thread.#lost();
        return;
      }
      replies.shift()?.(e.data);
    };
    worker.onerror = (e) => {
      // the worker died (its socket with it): nothing may escape as an uncaught error
      e.preventDefault();
      thread.#onExit();
      thread.#lost();
      replies.splice(0).forEach((reply) => reply({ bound: false }));
    };
    const next = () => new Promise<Record<string, unknown>>((resolve) => replies.push(resolve));
    const config: ReceiveThreadConfig = {
      hostname: options.hostname,
      port: options.port,
      maxReceiveSize: options.maxReceiveSize,
      control,
      ring: ringBuffer,
      probe,
      layout: LAYOUT,
      maxConsecutiveErrors: 1000,
    };
    worker.postMessage(config);
    const bound = await next();
    if (!bound.bound) {
      worker.terminate();
      return undefined;
    }
    // a probe to the port: the worker must be the one that reads it
    const probed = next();
    await options.sender.send(probe, thread.#self);
    if (!await within(probed, 1000)) {
      worker.terminate();
      return undefined;
    }
    return thread;
  }

  /**
   * Delivers every datagram the thread reads to `handler`, in order, until `close`. `onLost`
   * is told when the thread ended by itself (its socket broke): the port's datagrams then go to
   * the caller's socket, which it should start reading.
   */
  listen(
    handler: ThreadDatagramHandler,
    onError: (e: unknown) => void,
    onLost: () => void,
  ): void {
    this.#onLost = onLost;
    this.#loop = this.#drain(handler, onError);
  }

  // the worker ended without being asked: drain what it left, then hand over to the caller
  #lost(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#wakeDrain();
    this.#worker.terminate();
    this.#onLost?.();
  }

  async #drain(handler: ThreadDatagramHandler, onError: (e: unknown) => void): Promise<void> {
    const control = this.#control, ring = this.#ring, view = this.#view;
    const mask = ring.length - 1;
    // datagrams handled since the event loop last ran: timers and flushes get a turn per batch
    let budget = DRAIN_BATCH;
    while (!this.#closed) {
      let write = Atomics.load(control, WRITE) >>> 0;
      if (write === this.#read) {
        Atomics.store(control, ARMED, 1);
        write = Atomics.load(control, WRITE) >>> 0;
        if (write === this.#read) {
          await new Promise<void>((resolve) => this.#wake = resolve);
          Atomics.store(control, ARMED, 0);
          budget = DRAIN_BATCH;
          continue;
        }
        Atomics.store(control, ARMED, 0);
      }
      while (this.#read !== write && budget > 0 && !this.#closed) {
        const at = this.#read & mask;
        if (mask + 1 - at < ENTRY_HEADER || view.getUint8(at + 4) === KIND_WRAP) {
          this.#read = (this.#read + mask + 1 - at) >>> 0;
          Atomics.store(control, READ, this.#read | 0);
          continue;
        }
        const kind = view.getUint8(at + 4);
        const length = view.getUint16(at), id = view.getUint16(at + 2);
        if (kind === KIND_ADDRESS) {
          this.#addresses[id] = {
            hostname: this.#decoder.decode(
              ring.slice(at + ENTRY_HEADER + 2, at + ENTRY_HEADER + length),
            ),
            port: view.getUint16(at + ENTRY_HEADER),
            transport: "udp",
          };
        } else {
          const bytes = this.#copy.subarray(0, length);
          bytes.set(ring.subarray(at + ENTRY_HEADER, at + ENTRY_HEADER + length));
          budget--;
          try {
            handler(bytes, this.#addresses[id]!);
          } catch (e) {
            onError(e);
          }
        }
        this.#read = (this.#read + ((ENTRY_HEADER + length + 3) & ~3)) >>> 0;
        Atomics.store(control, READ, this.#read | 0);
      }
      // a backlog left: one macrotask turn for timers and flushes, then go on (when the ring
      // ran dry the wait above is that turn)
      if (budget <= 0) {
        await nextMacrotask(); // not setTimeout(0): chained, it sleeps milliseconds per batch
        budget = DRAIN_BATCH;
      }
    }
  }

  /** Stops the worker (its socket closes) and the drain loop. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    Atomics.store(this.#control, LAYOUT.closed, 1);
    this.#wakeDrain();
    // the worker sits in receive(): one datagram wakes it to see CLOSED
    try {
      await this.#sender.send(new Uint8Array(1), this.#self);
    } catch {
      // socket already gone
    }
    await within(this.#exited, 500);
    this.#worker.terminate();
    await this.#loop;
  }

  // resumes a drain loop parked until the worker writes
  #wakeDrain(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}

/** True when `promise` settles within `ms`, false when the time ran out first. */
async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const outcome = await Promise.race([
    promise.then(() => true),
    new Promise<boolean>((resolve) => timer = setTimeout(() => resolve(false), ms)),
  ]);
  clearTimeout(timer);
  return outcome;
}
