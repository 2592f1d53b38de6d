import assert from "node:assert/strict";
import { EnetPacketFlag } from "./constants.ts";
import type { EnetReceiveEvent } from "./events.ts";
import type { EnetPeer } from "./peer.ts";
import { SimNet, type SimNode } from "./_sim.ts";

const S = { hostname: "10.0.0.1", port: 1 };
const C = { hostname: "10.0.0.2", port: 2 };

/** Message: u32 seq, u8 kind, then a pattern derived from both (so corruption shows). */
function message(seq: number, kind: number, size: number): Uint8Array {
  const out = new Uint8Array(Math.max(size, 5));
  const dv = new DataView(out.buffer);
  dv.setUint32(0, seq, true);
  out[4] = kind;
  for (let i = 5; i < out.length; i++) out[i] = (seq * 31 + kind * 7 + i) & 255;
  return out;
}

function intact(e: EnetReceiveEvent): boolean {
  const seq = new DataView(e.data.buffer, e.data.byteOffset).getUint32(0, true);
  const kind = e.data[4];
  for (let i = 5; i < e.data.length; i++) {
    if (e.data[i] !== ((seq * 31 + kind * 7 + i) & 255)) return false;
  }
  return true;
}

const KINDS = [
  { channel: 0, flags: EnetPacketFlag.RELIABLE, size: 40, reliable: true },
  { channel: 1, flags: EnetPacketFlag.RELIABLE, size: 300, reliable: true },
  { channel: 2, flags: 0, size: 120, reliable: false },
  { channel: 3, flags: EnetPacketFlag.UNSEQUENCED, size: 60, reliable: false },
  { channel: 1, flags: EnetPacketFlag.RELIABLE, size: 20_000, reliable: true },
  { channel: 4, flags: EnetPacketFlag.UNRELIABLE_FRAGMENT, size: 4000, reliable: false },
];

function soak(seed: number): void {
  const where = `seed ${seed}`;
  const net = new SimNet(seed);
  // ENet's default timeouts give up on a command lost ~8 times in a row, which 20% loss both
  // ways makes likely over thousands of commands: this soak is about delivery, so relax them
  const patient = { timeoutLimit: 1000, timeoutMinimum: 60_000, timeoutMaximum: 120_000 };
  const server = net.add(S, { autoAccept: true, ...patient });
  const client = net.add(C, patient);
  const peer = client.host.connect(S, 5, 0, 0);
  assert.ok(net.run(60_000, () => peer.connected && server.of("connect").length === 1), where);
  net.profile = { delay: 10, jitter: 30, loss: 0.2, duplicate: 0.05 };
  const remote = server.of("connect")[0].peer;
  const sent = new Map<EnetPeer, number[]>([[peer, KINDS.map(() => 0)], [
    remote,
    KINDS.map(() => 0),
  ]]);
  const end = net.now + 30_000;
  for (let tick = 0; net.now < end; tick++) {
    if (!peer.connected || !remote.connected) {
      throw new Error(
        `${where}: lost the connection at ${net.now}: ${
          JSON.stringify(
            [...client.events, ...server.events].filter((e) => e.type === "disconnect").map((
              e,
            ) => ({ ...e, peer: e.peer.stats() })),
          )
        }`,
      );
    }
    for (const p of [peer, remote]) {
      const counts = sent.get(p)!;
      KINDS.forEach((k, kind) => {
        const every = k.size >= 4000 ? 40 : kind === 1 ? 2 : 1;
        if (tick % every !== 0) return;
        p.send(k.channel, message(counts[kind]++, kind, k.size), k.flags, net.now);
      });
    }
    net.run(net.now + 20);
  }
  // let the reliable data drain
  const reliableDone = (node: SimNode, from: EnetPeer) =>
    KINDS.every((k, kind) =>
      !k.reliable ||
      node.of("receive").filter((e) => e.data[4] === kind).length === sent.get(from)![kind]
    );
  assert.ok(
    net.run(net.now + 60_000, () => reliableDone(server, peer) && reliableDone(client, remote)),
    `${where}: drain`,
  );
  assert.equal(peer.state, "connected", where);
  for (const [node, from] of [[server, peer], [client, remote]] as const) {
    const got = node.of("receive");
    assert.ok(got.every(intact), `${where}: corrupted packet`);
    KINDS.forEach((k, kind) => {
      const seqs = got.filter((e) => e.data[4] === kind).map((e) =>
        new DataView(e.data.buffer, e.data.byteOffset).getUint32(0, true)
      );
      assert.ok(got.filter((e) => e.data[4] === kind).every((e) => e.channel === k.channel), where);
      if (k.reliable) {
        assert.deepEqual(
          seqs,
          [...Array(sent.get(from)![kind]).keys()],
          `${where}: reliable kind ${kind} exactly once in order`,
        );
      } else if (k.flags === EnetPacketFlag.UNSEQUENCED) {
        assert.equal(new Set(seqs).size, seqs.length, `${where}: unsequenced duplicated`);
        assert.ok(
          seqs.length > sent.get(from)![kind] * 0.5,
          `${where}: too few unsequenced (${seqs.length} of ${sent.get(from)![kind]}; ${
            JSON.stringify(from.stats())
          })`,
        );
      } else {
        for (let i = 1; i < seqs.length; i++) {
          assert.ok(seqs[i] > seqs[i - 1], `${where}: unreliable kind ${kind} went backwards`);
        }
        assert.ok(seqs.length > 0, `${where}: no unreliable kind ${kind} at all`);
      }
    });
  }
}

for (const seed of [11, 22, 33, 44, 55]) {
  Deno.test(`soak: 20% loss, duplicates, reordering — seed ${seed}`, () => soak(seed));
}
