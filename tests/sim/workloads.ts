/**
 * Reusable simulation workloads with exactly-once, in-order checking.
 *
 * @module
 */
import { ConnectionStatus, TransferMode } from "../../protocol/constants.ts";
import type { InboundPacket } from "../../protocol/host/types.ts";
import type { LinkOptions } from "../../transport/sim/link_simulator.ts";
import type { SimNode, Simulation } from "./harness.ts";

/**
 * The hostile link of issue 3's soak: 20% random loss, Gilbert–Elliott bursts, 10% duplicates,
 * reordering, 40 ± 40 ms one-way delay.
 *
 * @example
 * ```ts
 * import { HOSTILE_LINK } from "./workloads.ts";
 * console.log(HOSTILE_LINK.loss); // 0.2
 * ```
 */
export const HOSTILE_LINK: LinkOptions = {
  loss: 0.2,
  burst: { pGoodToBad: 0.02, pBadToGood: 0.25, lossInBad: 0.7, lossInGood: 0 },
  duplicate: 0.1,
  reorder: 0.05,
  reorderDelayMs: 30,
  latencyMs: 40,
  jitterMs: 40,
};

/**
 * Shape of a {@link ReliableRelayWorkload}.
 *
 * @example
 * ```ts
 * import type { RelayWorkloadOptions } from "./workloads.ts";
 * const o: RelayWorkloadOptions = { packetsPerClient: 100, channels: 3, perTick: 5, tickMs: 10 };
 * ```
 */
export interface RelayWorkloadOptions {
  /** Reliable packets each client sends (broadcast: the server relays to every other client). */
  packetsPerClient: number;
  /** Channels used round-robin. */
  channels: number;
  /** Packets each client puts per tick. */
  perTick: number;
  /** Tick interval (ms). */
  tickMs: number;
  /** Payload size in bytes (>= 12; default 12). */
  payloadBytes?: number;
}

const HEADER = 12;

function readU32(b: Uint8Array, at: number): number {
  return ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
}

function checkWord(sender: number, channel: number, seq: number): number {
  return (Math.imul(seq ^ (sender << 24) ^ (channel << 16), 0x9e3779b1) ^ 0x5bd1e995) >>> 0;
}

/**
 * Every client broadcasts numbered reliable packets on several channels; every receiver (server
 * and the other clients) checks per sender → receiver → channel that each arrives exactly once
 * and in order, and fails the simulation (with its seed) at the first violation.
 *
 * @example
 * ```ts
 * import { Simulation } from "./harness.ts";
 * import { ReliableRelayWorkload } from "./workloads.ts";
 * const sim = new Simulation({ seed: 1, clients: 2, file: "x", link: { latencyMs: 10 } });
 * sim.connectAll(5_000);
 * const w = new ReliableRelayWorkload(sim, { packetsPerClient: 30, channels: 3, perTick: 3, tickMs: 10 });
 * w.start();
 * sim.runFor(10_000, () => w.done);
 * console.log(w.done); // true
 * ```
 */
export class ReliableRelayWorkload {
  /** Deliveries still expected. */
  remaining: number;
  /** Deliveries checked so far. */
  delivered = 0;
  /** Virtual time when the last expected delivery arrived. */
  finishedAt = -1;
  readonly #sim: Simulation;
  readonly #o: Required<RelayWorkloadOptions>;
  readonly #indexById = new Map<number, number>();
  // next[receiver][sender * channels + channel]: next expected sequence number
  readonly #next: Uint32Array[];
  readonly #sent: Uint32Array;
  readonly #perChannel: number[] = [];

  /** Prepares the workload on a connected simulation. */
  constructor(sim: Simulation, options: RelayWorkloadOptions) {
    this.#sim = sim;
    this.#o = { payloadBytes: HEADER, ...options };
    const nodes = sim.nodes.length, ch = options.channels;
    for (const node of sim.nodes) this.#indexById.set(node.host.uniqueId, node.index);
    this.#next = sim.nodes.map(() => new Uint32Array(nodes * ch));
    this.#sent = new Uint32Array(nodes * ch);
    for (let c = 0; c < ch; c++) {
      this.#perChannel.push(
        Math.floor(options.packetsPerClient / ch) +
          (c < options.packetsPerClient % ch ? 1 : 0),
      );
    }
    // each client's packets reach the server and every other client
    this.remaining = sim.clients.length * options.packetsPerClient * sim.clients.length;
  }

  /** True once every expected packet arrived. */
  get done(): boolean {
    return this.remaining === 0;
  }

  /** Installs the receivers and starts sending. */
  start(): void {
    const sim = this.#sim;
    for (const node of sim.nodes) node.onPacket = (p, n) => this.#receive(p, n);
    const o = this.#o;
    const counts = sim.clients.map(() => 0);
    sim.every(o.tickMs, () => {
      let more = false;
      sim.clients.forEach((c, k) => {
        if (c.host.status !== ConnectionStatus.CONNECTED) return; // dropped: stops sending
        for (let i = 0; i < o.perTick && counts[k] < o.packetsPerClient; i++) {
          this.#sendOne(c, counts[k]++ % o.channels);
        }
        if (counts[k] < o.packetsPerClient) more = true;
      });
      return more;
    });
  }

  /** Describes what is still missing (for failure messages). */
  describeMissing(): string {
    const ch = this.#o.channels, out: string[] = [];
    for (const receiver of this.#sim.nodes) {
      for (const sender of this.#sim.clients) {
        if (sender === receiver) continue;
        for (let c = 0; c < ch; c++) {
          const got = this.#next[receiver.index][sender.index * ch + c];
          if (got !== this.#perChannel[c]) {
            out.push(`${sender.index}->${receiver.index} ch${c}: ${got}/${this.#perChannel[c]}`);
          }
        }
      }
    }
    return out.slice(0, 12).join(", ") + (out.length > 12 ? ` (+${out.length - 12} more)` : "");
  }

  #sendOne(node: SimNode, channel: number): void {
    const seq = this.#sent[node.index * this.#o.channels + channel]++;
    const data = new Uint8Array(this.#o.payloadBytes);
    const view = new DataView(data.buffer);
    data[0] = node.index;
    data[1] = channel;
    view.setUint32(4, seq);
    view.setUint32(8, checkWord(node.index, channel, seq));
    this.#sim.send(node, 0, data, TransferMode.RELIABLE, channel);
  }

  #receive(p: InboundPacket, node: SimNode): void {
    const sim = this.#sim, ch = this.#o.channels;
    const where = () => `at node ${node.index} from id ${p.from} ch ${p.channel}`;
    sim.check(p.mode === TransferMode.RELIABLE, () => `mode ${p.mode} ${where()}`);
    sim.check(p.data.length === this.#o.payloadBytes, () => `length ${p.data.length} ${where()}`);
    const sender = p.data[0], channel = p.data[1];
    const seq = readU32(p.data, 4);
    sim.check(this.#indexById.get(p.from) === sender, () => `wrong sender stamp ${where()}`);
    sim.check(channel === p.channel, () => `packet of ch ${channel} delivered ${where()}`);
    sim.check(
      readU32(p.data, 8) === checkWord(sender, channel, seq),
      () => `corrupt payload ${where()}`,
    );
    const slot = sender * ch + channel;
    const expected = this.#next[node.index][slot];
    sim.check(
      seq === expected,
      () =>
        seq < expected
          ? `DUPLICATE seq ${seq} (expected ${expected}) ${where()}`
          : `OUT OF ORDER / LOST: got seq ${seq}, expected ${expected} ${where()}`,
    );
    this.#next[node.index][slot] = expected + 1;
    this.delivered++;
    if (--this.remaining === 0) this.finishedAt = sim.now;
  }
}
