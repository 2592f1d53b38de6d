/**
 * Drives a protocol {@link Host} from any {@link DatagramTransport} and {@link Clock}: receives in
 * the background, keeps exactly one timer at the host's next deadline, and flushes outgoing
 * datagrams once at the end of each turn (so messages put in the same turn share datagrams).
 *
 * @module
 */
import type { Host } from "../protocol/host.ts";
import type { Clock, DatagramTransport, PeerAddress, TimerHandle } from "./transport.ts";

/**
 * The background engine of a peer. UDP, the virtual network and WebSocket peers all reuse it.
 *
 * @example
 * ```ts
 * import { PeerDriver } from "./peer_driver.ts";
 * import { Host } from "../protocol/host.ts";
 * import { Connection } from "../protocol/connection.ts";
 * import { UdpTransport } from "./udp_transport.ts";
 * import { systemClock } from "./transport.ts";
 * const transport = await UdpTransport.bind({ hostname: "127.0.0.1" });
 * const host = new Host({ role: "server", createConnection: (c) => new Connection(c) });
 * const driver = new PeerDriver(host, transport, systemClock, () => {});
 * driver.start();
 * await driver.close();
 * ```
 */
export class PeerDriver {
  /** The protocol endpoint. */
  readonly host: Host;
  /** The carrier. */
  readonly transport: DatagramTransport;
  /** Source of time and timers. */
  readonly clock: Clock;
  readonly #onActivity: () => void;
  #timer?: TimerHandle;
  #timerAt = Infinity;
  #flushQueued = false;
  #closed = false;
  readonly #flush = () => this.flush();
  readonly #onTimer = () => {
    this.#timer = undefined;
    this.#timerAt = Infinity;
    if (this.#closed) return;
    this.host.handleTimeout(this.clock.now());
    this.flush();
  };

  /** `onActivity` runs after every flush that may have produced events or packets. */
  constructor(host: Host, transport: DatagramTransport, clock: Clock, onActivity: () => void) {
    this.host = host;
    this.transport = transport;
    this.clock = clock;
    this.#onActivity = onActivity;
  }

  /** Starts receiving and arms the first timer. */
  start(): void {
    this.transport.listen((bytes: Uint8Array, from: PeerAddress) => {
      if (this.#closed) return;
      this.host.handleDatagram(bytes, from, this.clock.now());
      this.touch();
    });
    this.touch();
  }

  /** Schedules one flush at the end of this turn (after an app call or input). */
  touch(): void {
    if (this.#flushQueued || this.#closed) return;
    this.#flushQueued = true;
    queueMicrotask(this.#flush);
  }

  /** Sends everything the host has ready, re-arms the timer, reports activity. */
  flush(): void {
    this.#flushQueued = false;
    if (this.#closed) return;
    const now = this.clock.now();
    for (let tx = this.host.pollTransmit(now); tx; tx = this.host.pollTransmit(now)) {
      this.transport.send(tx.bytes, tx.to);
    }
    this.#arm();
    this.#onActivity();
  }

  #arm(): void {
    const at = this.host.pollTimeout();
    if (at === undefined) return;
    // an earlier timer already covers a later deadline: it fires, then re-arms
    if (this.#timer !== undefined && this.#timerAt <= at) return;
    if (this.#timer !== undefined) this.clock.clearTimer(this.#timer);
    this.#timerAt = at;
    this.#timer = this.clock.setTimer(this.#onTimer, Math.max(0, at - this.clock.now()));
  }

  /** Sends what is pending (e.g. DISCONNECT), stops timers and closes the transport. */
  async close(): Promise<void> {
    if (this.#closed) return;
    const now = this.clock.now();
    for (let tx = this.host.pollTransmit(now); tx; tx = this.host.pollTransmit(now)) {
      this.transport.send(tx.bytes, tx.to);
    }
    this.#closed = true;
    if (this.#timer !== undefined) this.clock.clearTimer(this.#timer);
    this.#timer = undefined;
    await this.transport.close();
  }
}
