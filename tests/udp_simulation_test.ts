import assert from "node:assert/strict";
import { TransferMode } from "../mod.ts";
import { closeAll, drain, pumpUntil, reliableSoak, startSession } from "./helpers/udp_session.ts";

const LOSSY = { loss: 0.2, duplicate: 0.1, latencyMs: 30, jitterMs: 20, seed: 7 };

Deno.test("udp simulation: 2000 reliable packets on two channels, exactly once, in order", async () => {
  const { server, clients, all } = await startSession({ clients: 1, simulation: LOSSY });
  try {
    await reliableSoak(server, clients[0], all, 1000, "2000 reliable packets");
    assert.equal(server.peer.getAvailablePacketCount(), 0, "nothing extra");
  } finally {
    await closeAll(all);
  }
});

Deno.test("udp simulation: a 1 MiB reliable packet arrives intact", async () => {
  const { server, clients, all } = await startSession({ clients: 1, simulation: LOSSY });
  try {
    const [a] = clients;
    const big = new Uint8Array(1 << 20);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31 + (i >> 11)) & 0xff;
    const copy = big.slice();
    a.peer.setTargetPeer(1);
    a.peer.putPacket(big);
    await pumpUntil(all, () => server.peer.getAvailablePacketCount() > 0, 60_000, "1 MiB");
    const got = server.peer.getPacket()!;
    assert.equal(got.length, copy.length);
    assert.ok(got.every((b, i) => b === copy[i]), "content intact");
  } finally {
    await closeAll(all);
  }
});

Deno.test("udp simulation: unreliable-ordered never goes backwards", async () => {
  const { server, clients, all } = await startSession({ clients: 1, simulation: LOSSY });
  try {
    const [a] = clients;
    a.peer.setTargetPeer(1);
    a.peer.transferMode = TransferMode.UNRELIABLE_ORDERED;
    const put = (i: number) => a.peer.putPacket(new Uint8Array([i >> 8, i & 0xff]));
    const seen: number[] = [];
    const collect = () => {
      for (const [, , mode, data] of drain(server)) {
        assert.equal(mode, TransferMode.UNRELIABLE_ORDERED);
        seen.push((data[0] << 8) | data[1]);
      }
    };
    for (let burst = 0; burst < 20; burst++) {
      for (let i = 0; i < 25; i++) put(burst * 25 + i);
      await Promise.all(all.map((r) => r.peer.poll(5)));
      collect();
    }
    const MARK = 9999; // retried until one copy arrives: then everything before was settled
    put(MARK);
    await pumpUntil(
      all,
      () => {
        collect();
        if (seen.at(-1) !== MARK) put(MARK);
        return seen.at(-1) === MARK;
      },
      10_000,
      "marker",
    );
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i] >= seen[i - 1], `went back at ${i}`);
    assert.ok(seen.length > 100, `most arrive (${seen.length})`);
  } finally {
    await closeAll(all);
  }
});
