/**
 * Test-only driver: one EnetHost on a real UDP socket on 127.0.0.1, pumped with
 * `performance.now()`. It waits on received datagrams, the host's timers or an external wake-up
 * (e.g. a line from a child process), never on fixed sleeps.
 *
 * @module
 */
import type { EnetAddress } from "../../protocol/enet/address.ts";
import type { EnetEvent } from "../../protocol/enet/events.ts";
import { EnetHost } from "../../protocol/enet/host.ts";
import type { EnetOptions } from "../../protocol/enet/options.ts";

/**
 * A host bound to a UDP socket, with the events it produced so far.
 *
 * @example
 * ```ts
 * import { UdpPump } from "./_pump.ts";
 * const pump = new UdpPump({ autoAccept: true });
 * await pump.runUntil(() => pump.events.length > 0, 10);
 * await pump.close();
 * ```
 */
export class UdpPump {
  readonly host: EnetHost;
  readonly events: EnetEvent[] = [];
  readonly port: number;
  readonly address: EnetAddress;
  /** Called for each event as it is taken (may send / disconnect). */
  onEvent: (event: EnetEvent, pump: UdpPump) => void = () => {};
  /** When false, received datagrams are dropped (simulates a dead peer). */
  alive = true;
  /** When it returns true for a datagram about to be sent, that datagram is dropped. */
  dropOutgoing: (bytes: Uint8Array) => boolean = () => false;
  #conn: Deno.DatagramConn;
  #buf = new Uint8Array(65536);
  #receiving: Promise<[Uint8Array, Deno.Addr] | undefined> | undefined;
  #wake: (() => void) | undefined;
  #closed = false;

  constructor(options: EnetOptions = {}) {
    this.#conn = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
    this.port = (this.#conn.addr as Deno.NetAddr).port;
    this.address = { hostname: "127.0.0.1", port: this.port };
    this.host = new EnetHost(options);
  }

  /** Wakes a pending `runUntil` so it re-checks its condition. */
  wake(): void {
    this.#wake?.();
  }

  /** Sends what the host has queued. */
  flush(): void {
    const now = performance.now();
    for (let t = this.host.pollTransmit(now); t; t = this.host.pollTransmit(now)) {
      if (this.dropOutgoing(t.bytes)) continue;
      this.#conn.send(t.bytes, { transport: "udp", hostname: t.to.hostname, port: t.to.port })
        .catch(() => {});
    }
  }

  #drainEvents(): void {
    for (let e = this.host.pollEvent(); e; e = this.host.pollEvent()) {
      this.events.push(e);
      this.onEvent(e, this);
    }
  }

  /** Pumps until `done()` holds or `timeoutMs` passed; returns whether `done()` held. */
  async runUntil(done: () => boolean, timeoutMs: number): Promise<boolean> {
    const end = performance.now() + timeoutMs;
    for (;;) {
      this.#drainEvents();
      this.flush();
      if (done()) return true;
      const now = performance.now();
      if (now >= end || this.#closed) return done();
      const wait = Math.max(0, Math.min(end, this.host.pollTimeout()) - now);
      this.#receiving ??= this.#conn.receive(this.#buf).catch(() => undefined);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const woke = new Promise<"wake">((resolve) => {
        this.#wake = () => resolve("wake");
        timer = setTimeout(() => resolve("wake"), Math.ceil(wait));
      });
      const got = await Promise.race([this.#receiving, woke]);
      clearTimeout(timer);
      this.#wake = undefined;
      const t = performance.now();
      if (got !== "wake") {
        this.#receiving = undefined;
        if (got !== undefined && this.alive) {
          const [bytes, addr] = got;
          const from = addr as Deno.NetAddr;
          this.host.handleDatagram(bytes, { hostname: from.hostname, port: from.port }, t);
        }
      }
      this.host.handleTimeout(t);
    }
  }

  /** Closes the socket (a pending receive settles). */
  async close(): Promise<void> {
    this.#closed = true;
    this.#conn.close();
    if (this.#receiving) await this.#receiving;
    this.#receiving = undefined;
  }
}
