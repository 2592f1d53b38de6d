/**
 * Sessions mixing real Godot puppets and Deno ENet peers, seen through one interface: every
 * participant can send tagged packets and report what it received (sender id, ENet channel,
 * and, on our side, the transfer mode). The target matrix sends every mode to every target form
 * from chosen senders and checks every receiver.
 *
 * @module
 */
import assert from "node:assert/strict";
import { TransferMode } from "../../mod.ts";
import type { GodotPuppet } from "../godot/puppet.ts";
import type { PuppetTransferMode } from "../godot/protocol.ts";
import { fromHex, toHex } from "../godot/payloads.ts";
import type { LivePeer } from "./_live.ts";

/** Godot's name of a transfer mode (the puppet takes names). */
const MODE_NAMES: Record<TransferMode, PuppetTransferMode> = {
  [TransferMode.UNRELIABLE]: "unreliable",
  [TransferMode.UNRELIABLE_ORDERED]: "unreliable_ordered",
  [TransferMode.RELIABLE]: "reliable",
};

/** Every transfer mode. */
const MODES: TransferMode[] = [
  TransferMode.RELIABLE,
  TransferMode.UNRELIABLE_ORDERED,
  TransferMode.UNRELIABLE,
];

/** The ENet channel Godot puts a packet on: the transfer channel, else the mode's own. */
function enetChannelOf(mode: TransferMode, transferChannel = -1): number {
  if (transferChannel > 0) return transferChannel;
  return mode === TransferMode.RELIABLE ? 1 : 2;
}

/** One received data packet. `mode` is known on our side only. */
interface Delivery {
  readonly hex: string;
  readonly from: number;
  readonly channel: number;
  readonly mode?: TransferMode;
}

/**
 * A participant of a session: a Godot puppet or a Deno peer.
 *
 * @example
 * ```ts
 * import type { Party } from "./_matrix.ts";
 * const ids = (all: Party[]) => all.map((p) => p.id());
 * console.log(ids([]));
 * ```
 */
export interface Party {
  readonly label: string;
  readonly godot: boolean;
  /** Current unique id. */
  id(): number;
  /** Sends one packet; `channel` -1 = the mode's own. */
  send(hex: string, mode: TransferMode, target: number, channel: number): Promise<void>;
  /** Every data packet received so far. */
  deliveries(): Delivery[];
  /** Resolves once a packet with these bytes arrived (and everything before it is reported). */
  awaitHex(hex: string, timeoutMs?: number): Promise<void>;
}

/**
 * A puppet as a party (raw api: packets are exactly the bytes sent).
 *
 * @example
 * ```ts
 * import { godotParty } from "./_matrix.ts";
 * import type { GodotPuppet } from "../godot/puppet.ts";
 * const label = (p: GodotPuppet) => godotParty(p).label;
 * console.log(typeof label);
 * ```
 */
export function godotParty(p: GodotPuppet): Party {
  return {
    label: p.label,
    godot: true,
    id: () => p.id,
    async send(hex, mode, target, channel) {
      await p.sendOk({ cmd: "send", hex, mode: MODE_NAMES[mode], target, channel });
    },
    deliveries: () =>
      p.filter({ ev: "packet" }).flatMap((e) =>
        e.hex === undefined ? [] : [{ hex: e.hex, from: e.from, channel: e.channel }]
      ),
    async awaitHex(hex, timeoutMs = 5000) {
      await p.waitFor({ ev: "packet", hex }, { timeoutMs, what: `packet ${hex}` });
      // events of the frame that had it are written before this ack
      await p.sendOk({ cmd: "ping" });
    },
  };
}

/**
 * A Deno peer as a party.
 *
 * @example
 * ```ts
 * import { denoParty } from "./_matrix.ts";
 * import { LivePeer } from "./_live.ts";
 * console.log(denoParty(new LivePeer("x")).godot); // false
 * ```
 */
export function denoParty(l: LivePeer): Party {
  return {
    label: l.label,
    godot: false,
    id: () => l.id,
    send(hex, mode, target, channel) {
      const peer = l.peer;
      peer.transferMode = mode;
      peer.transferChannel = channel;
      peer.setTargetPeer(target);
      peer.putPacket(fromHex(hex)!);
      return Promise.resolve();
    },
    deliveries: () =>
      l.packets.map((p) => ({
        hex: toHex(p.data),
        from: p.from,
        channel: p.channel,
        mode: p.mode,
      })),
    async awaitHex(hex, timeoutMs = 5000) {
      await l.waitPacket((p) => toHex(p.data) === hex, `packet ${hex}`, 0, timeoutMs);
    },
  };
}

/** A planned packet: who sends what to whom, and who must get it. */
interface Planned {
  readonly sender: Party;
  readonly hex: string;
  readonly mode: TransferMode;
  readonly target: number;
  readonly channel: number;
  readonly receivers: Party[];
}

/**
 * Unreliable packets may be dropped by a Godot sender's throttle under CPU load: resend.
 *
 * @example
 * ```ts
 * import { UNRELIABLE_ROUNDS } from "./_matrix.ts";
 * console.log(UNRELIABLE_ROUNDS); // 5
 * ```
 */
export const UNRELIABLE_ROUNDS = 5;

let fenceSeq = 0;

/**
 * Sends a sender's planned packets, then a reliable broadcast fence that every party in
 * `fenced` awaits; resends unreliable packets some receiver lacks (a few rounds). A missing
 * reliable packet is left to the caller's assertion.
 */
async function deliver(plan: Planned[], fenced: Party[]): Promise<void> {
  if (plan.length === 0) return;
  const sender = plan[0].sender;
  let pending = plan;
  for (let round = 0; round < UNRELIABLE_ROUNDS && pending.length > 0; round++) {
    for (const p of pending) await p.sender.send(p.hex, p.mode, p.target, p.channel);
    const fence = `fe${(++fenceSeq).toString(16).padStart(6, "0")}`;
    await sender.send(fence, TransferMode.RELIABLE, 0, -1);
    await Promise.all(fenced.filter((f) => f !== sender).map((f) => f.awaitHex(fence)));
    pending = pending.filter((p) =>
      p.mode !== TransferMode.RELIABLE &&
      p.receivers.some((r) => !r.deliveries().some((d) => d.hex === p.hex))
    );
  }
}

/** Received data packets (fences excluded, resends merged), sorted, comparable. */
function receivedData(p: Party, prefix: string): string[] {
  const seen = new Set<string>();
  for (const d of p.deliveries()) {
    if (!d.hex.startsWith(prefix)) continue;
    seen.add(describe(d, p));
  }
  return [...seen].sort();
}

function describe(d: Delivery, at: Party): string {
  const mode = at.godot ? "" : `/${d.mode}`;
  return `${d.hex} from ${d.from} ch ${d.channel}${mode}`;
}

/** Who gets a packet from `from` to `target` when the server relays. */
function recipientsOf(from: Party, target: number, all: Party[]): Party[] {
  if (target === 0) return all.filter((p) => p !== from);
  if (target > 0) return all.filter((p) => p.id() === target);
  return all.filter((p) => p !== from && p.id() !== -target);
}

/**
 * The target forms a party may use: 0, every other id, minus every other id (-1 from clients:
 * all but the server, unless `minusOne` is false).
 */
function targetsOf(from: Party, all: Party[], minusOne = true): number[] {
  const others = all.filter((p) => p !== from).map((p) => p.id());
  const out = [0, ...others];
  for (const id of others) if (id !== 1 || minusOne) out.push(-id);
  return out;
}

/**
 * Every mode to every target form from each of `senders` (on each of `channels`), checked at
 * every party of `all` (the server relays): right payloads, sender ids, ENet channels and (on
 * our side) modes.
 *
 * @example
 * ```ts
 * import { assertTargetMatrix, denoParty } from "./_matrix.ts";
 * import { LivePeer } from "./_live.ts";
 * const server = await LivePeer.server(0);
 * await assertTargetMatrix([denoParty(server)], []); // nobody sends: nothing expected
 * await server.stop();
 * ```
 */
export async function assertTargetMatrix(
  all: Party[],
  senders: Party[],
  channels: number[] = [-1],
  prefix = "a0",
  minusOne = true,
): Promise<void> {
  const expected = new Map<Party, Set<string>>(all.map((p) => [p, new Set()]));
  let n = 0;
  for (const sender of senders) {
    const plan: Planned[] = [];
    for (const channel of channels) {
      for (const mode of MODES) {
        for (const target of targetsOf(sender, all, minusOne)) {
          const hex = `${prefix}${(n++).toString(16).padStart(6, "0")}`;
          const receivers = recipientsOf(sender, target, all);
          plan.push({ sender, hex, mode, target, channel, receivers });
          for (const r of receivers) {
            expected.get(r)!.add(describe({
              hex,
              from: sender.id(),
              channel: enetChannelOf(mode, channel),
              mode,
            }, r));
          }
        }
      }
    }
    await deliver(plan, all);
  }
  for (const p of all) {
    assert.deepEqual(
      receivedData(p, prefix),
      [...expected.get(p)!].sort(),
      `deliveries at ${p.label}`,
    );
  }
}

/**
 * Hex of a small unique payload for ad-hoc sends.
 *
 * @example
 * ```ts
 * import { tagHex } from "./_matrix.ts";
 * console.log(tagHex("fe", 255)); // "fe0000ff"
 * ```
 */
export function tagHex(prefix: string, n: number): string {
  return `${prefix}${n.toString(16).padStart(6, "0")}`;
}
