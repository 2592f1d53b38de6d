/**
 * A crowd client for the load generator: the protocol's client `Host` (the same handshake,
 * connection, framing and acks as a `UdpMultiplayerPeer` client) on its own UDP socket, with the
 * peer API, the driver, the poll waiters and the per-client timer left out. One
 * {@link LightCrowd} runs the timers of all its clients from the process's tick, so a client
 * costs its socket operations and its protocol work, and the load generator's processes can
 * produce a crowd's traffic with less of the machine than full peers need. Encrypted clients run
 * the same secure layer a peer's driver runs (key exchange, then every datagram sealed).
 *
 * @module
 */
import { Host } from "../../protocol/host/host.ts";
import type { PeerAddress } from "../../protocol/address.ts";
import { TransferMode } from "../../protocol/constants.ts";
import { DisconnectReason } from "../../protocol/errors.ts";
import { connectionFactory } from "../../transport/peers/connection_tuning.ts";
import { clientSecurity, type SecuritySetup } from "../../transport/secure/options.ts";
import type { DatagramTransport } from "../../transport/carrier.ts";

const RECEIVE_BYTES = 2048;

/** Why a light client's connection attempt ended without a session. */
export type LightFailure = { readonly reason: string; readonly message: string };

/**
 * One client: a socket, a client host and its receive loop.
 *
 * @example
 * ```ts ignore
 * import { LightCrowd } from "./light_client.ts";
 * const crowd = new LightCrowd(9000, (data) => console.log(data.length));
 * const client = await crowd.connect();
 * client?.put(new Uint8Array(64));
 * ```
 */
export class LightClient {
  #state: "connecting" | "connected" | "closed" = "connecting";
  #failure?: LightFailure;
  #deadline = Infinity; // the host's next timer (performance.now() time)
  readonly #host: Host;
  readonly #socket: Deno.DatagramConn;
  readonly #server: PeerAddress;
  readonly #to: Deno.NetAddr;
  readonly #onData: (data: Uint8Array) => void;
  readonly #layer?: SecuritySetup["layer"];
  #flushQueued = false;
  #settled?: () => void;
  /** Resolves once the attempt connected or ended. */
  readonly settled: Promise<void>;

  /**
   * Binds a socket on loopback and starts connecting to `port`; with `security` (from
   * `clientSecurity`) through its layer.
   */
  constructor(port: number, onData: (data: Uint8Array) => void, security?: SecuritySetup) {
    this.#socket = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
    this.#server = { hostname: "127.0.0.1", port, transport: "udp" };
    this.#to = { transport: "udp", hostname: "127.0.0.1", port };
    this.#onData = onData;
    this.settled = new Promise((resolve) => this.#settled = resolve);
    this.#host = new Host({
      role: "client",
      createConnection: connectionFactory({}),
      ...security?.host,
    });
    const layer = this.#layer = security?.layer;
    layer?.attach({
      host: this.#host,
      // the layer never uses the carrier itself: its sends come back through `send`
      transport: undefined as unknown as DatagramTransport,
      now: () => performance.now(),
      input: (bytes, from) => this.#input(bytes, from, performance.now()),
      send: (bytes) => this.#sendRaw(bytes),
      touch: () => {
        if (this.#flushQueued) return;
        this.#flushQueued = true;
        queueMicrotask(() => {
          this.#flushQueued = false;
          if (this.state === "closed") return;
          this.#events(); // the layer's verification may have ended the attempt
          this.#flush(performance.now());
        });
      },
    });
    this.#host.connect(this.#server, performance.now());
    this.#flush(performance.now());
    this.#receive().catch(() => this.#end({ reason: "SOCKET", message: "receive failed" }));
  }

  /** "connecting", then "connected", then "closed" (failed, dropped or closed). */
  get state(): "connecting" | "connected" | "closed" {
    return this.#state;
  }

  /** Why the attempt failed (set when it closed before any session). */
  get failure(): LightFailure | undefined {
    return this.#failure;
  }

  /** Sends one unreliable-ordered input to the server; false when not connected. */
  put(input: Uint8Array): boolean {
    if (this.state !== "connected") return false;
    const now = performance.now();
    this.#host.send(1, input, TransferMode.UNRELIABLE_ORDERED, 0, now);
    this.#flush(now);
    return true;
  }

  /** Runs the host's timers when due. */
  service(now: number): void {
    if (now < this.#deadline || this.#state === "closed") return;
    this.#host.handleTimeout(now);
    this.#events();
    this.#flush(now);
  }

  /** Datagrams sent and received and unreliable messages dropped on the session so far. */
  counters(): { sent: number; received: number; dropped: number } {
    if (this.state !== "connected") return { sent: 0, received: 0, dropped: 0 };
    const s = this.#host.peerStats(1, performance.now());
    return { sent: s.packetsSent, received: s.packetsReceived, dropped: s.unreliableDropped };
  }

  /** Says goodbye (best effort) and closes the socket. */
  close(): void {
    if (this.state !== "closed") {
      this.#host.close(performance.now());
      this.#flush(performance.now());
    }
    this.#end();
  }

  async #receive(): Promise<void> {
    const buffer = new Uint8Array(RECEIVE_BYTES);
    while (this.state !== "closed") {
      const [bytes] = await this.#socket.receive(buffer);
      const now = performance.now();
      if (!this.#layer?.receive(bytes, this.#server)) this.#input(bytes, this.#server, now);
      this.#flush(now);
    }
  }

  #input(bytes: Uint8Array, from: PeerAddress, now: number): void {
    this.#host.handleDatagram(bytes, from, now);
    this.#events();
    for (let d = this.#host.pollPacketData(); d; d = this.#host.pollPacketData()) this.#onData(d);
  }

  #sendRaw(bytes: Uint8Array): boolean {
    // a send is effectively synchronous; a refused one is the protocol's loss to recover
    this.#socket.send(bytes, this.#to).catch(() => {});
    return true;
  }

  #events(): void {
    for (let e = this.#host.pollEvent(); e; e = this.#host.pollEvent()) {
      if (e.type === "connection_succeeded") {
        this.#state = "connected";
        this.#settled?.();
      } else if (e.type === "connection_failed") {
        const reason = Object.entries(DisconnectReason).find(([, v]) => v === e.reason)?.[0];
        this.#end({ reason: reason ?? String(e.reason), message: e.message });
      } else if (e.type === "server_disconnected") this.#end();
    }
  }

  #flush(now: number): void {
    if (this.state === "closed") return;
    const layer = this.#layer;
    for (let tx = this.#host.pollTransmit(now); tx; tx = this.#host.pollTransmit(now)) {
      if (layer) layer.send(tx.bytes, tx.to);
      else this.#sendRaw(tx.bytes);
    }
    layer?.flushed();
    this.#deadline = this.#host.pollTimeout() ?? Infinity;
  }

  #end(failure?: LightFailure): void {
    if (this.#state === "closed") return;
    if (this.#state === "connecting") this.#failure = failure ?? { reason: "CLOSED", message: "" };
    this.#state = "closed";
    this.#deadline = Infinity;
    this.#settled?.();
    this.#layer?.close().catch(() => {});
    try {
      this.#socket.close();
    } catch { /* already closed */ }
  }
}

/**
 * The light clients of one load-generator process and their shared timer service.
 *
 * @example
 * ```ts ignore
 * import { LightCrowd } from "./light_client.ts";
 * const crowd = new LightCrowd(9000, () => {});
 * setInterval(() => crowd.service(performance.now()), 5);
 * ```
 */
export class LightCrowd {
  /** Every client ever started here (connected, connecting or closed). */
  readonly clients: LightClient[] = [];
  readonly #port: number;
  readonly #onData: (data: Uint8Array) => void;
  readonly #serverKey?: Uint8Array;

  /**
   * Clients connect to the server on loopback `port`; `onData` gets every packet received. With
   * `serverPublicKey` every session is encrypted and the server's identity pinned to that key.
   */
  constructor(port: number, onData: (data: Uint8Array) => void, serverPublicKey?: Uint8Array) {
    this.#port = port;
    this.#onData = onData;
    this.#serverKey = serverPublicKey;
  }

  /** One connection attempt: the client once connected, or undefined with its failure. */
  async connect(timeoutMs = 6_000): Promise<{ client?: LightClient; failure?: LightFailure }> {
    const key = this.#serverKey;
    const security = key
      ? await clientSecurity({ encryption: true, serverPublicKey: key })
      : undefined;
    const c = new LightClient(this.#port, this.#onData, security);
    this.clients.push(c);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<void>((r) => timer = setTimeout(r, timeoutMs));
    await Promise.race([c.settled, timedOut]);
    clearTimeout(timer);
    if (c.state === "connected") return { client: c };
    const failure = c.failure ?? { reason: `no answer in ${timeoutMs / 1000} s`, message: "" };
    c.close();
    this.clients.splice(this.clients.indexOf(c), 1);
    return { failure };
  }

  /** Runs every client's due timers (call from the process's tick). */
  service(now: number): void {
    const list = this.clients;
    for (let i = 0; i < list.length; i++) list[i].service(now);
  }

  /** Closes every client. */
  close(): void {
    for (const c of this.clients) c.close();
  }
}
