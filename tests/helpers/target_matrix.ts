/**
 * Sends from every peer to every target form (0, 1, id, -id) and checks who received what,
 * with which sender id. Shared by the WebSocket and mixed-carrier integration tests.
 *
 * @module
 */
import assert from "node:assert/strict";
import { type MultiplayerPeerBase, TransferMode } from "../../mod.ts";
import { drain, pumpUntil, type Recorded } from "./udp_session.ts";

type R = Recorded<MultiplayerPeerBase>;

/**
 * Target forms a peer may use: servers 0, id, -id; clients also 1 (without relay: 1, and the
 * broadcast and "all but N" forms, which reach the server alone).
 */
function targetsOf(sender: R, all: R[], relay: boolean): number[] {
  const me = sender.peer.getUniqueId();
  const others = all.map((r) => r.peer.getUniqueId()).filter((id) => id !== me);
  if (me !== 1 && !relay) {
    return [1, 0, ...others.filter((id) => id !== 1).map((id) => -id)];
  }
  const clients = others.filter((id) => id !== 1);
  const targets = [0, ...others];
  for (const id of clients) targets.push(-id);
  return targets;
}

/** Who receives a packet from `from` to `target`. */
function recipients(from: number, target: number, ids: number[], relay: boolean): number[] {
  let out: number[];
  if (target === 0) out = ids.filter((id) => id !== from);
  else if (target > 0) out = [target];
  else out = ids.filter((id) => id !== from && id !== -target);
  // without relay a client's packet only reaches the server
  return from !== 1 && !relay ? out.filter((id) => id === 1) : out;
}

/**
 * Every peer sends one tagged packet to every target form in every transfer mode, on rotating
 * channels; asserts each peer got exactly the expected packets with the true sender ids.
 *
 * @example
 * ```ts ignore
 * import { assertTargetMatrix } from "./target_matrix.ts";
 * import { startWsSession } from "./ws_session.ts";
 * const { all } = await startWsSession();
 * await assertTargetMatrix(all, true);
 * ```
 */
export async function assertTargetMatrix(all: R[], relay: boolean): Promise<void> {
  const ids = all.map((r) => r.peer.getUniqueId());
  const byId = new Map(all.map((r) => [r.peer.getUniqueId(), r]));
  const modes = [TransferMode.UNRELIABLE, TransferMode.UNRELIABLE_ORDERED, TransferMode.RELIABLE];
  for (const mode of modes) {
    const want = new Map<number, string[]>(ids.map((id) => [id, []]));
    const got = new Map<number, string[]>(ids.map((id) => [id, []]));
    let tag = 0;
    for (const sender of all) {
      const from = sender.peer.getUniqueId();
      sender.peer.transferMode = mode;
      for (const target of targetsOf(sender, all, relay)) {
        tag++;
        const channel = tag % sender.peer.channelCount;
        sender.peer.transferChannel = channel;
        sender.peer.setTargetPeer(target);
        sender.peer.putPacket(new Uint8Array([tag >> 8, tag & 0xff]));
        for (const to of recipients(from, target, ids, relay)) {
          want.get(to)!.push(`${from}>${tag}@${channel}/${mode}`);
        }
      }
    }
    const collect = () => {
      for (const [id, r] of byId) {
        for (const [from, channel, m, data] of drain(r)) {
          got.get(id)!.push(`${from}>${(data[0] << 8) | data[1]}@${channel}/${m}`);
        }
      }
    };
    const total = [...want.values()].reduce((n, l) => n + l.length, 0);
    await pumpUntil(
      all,
      () => (collect(), [...got.values()].reduce((n, l) => n + l.length, 0) >= total),
      5000,
      `${total} packets in mode ${mode}`,
    );
    for (const id of ids) {
      assert.deepEqual(got.get(id)!.sort(), want.get(id)!.sort(), `peer ${id}, mode ${mode}`);
    }
  }
}
