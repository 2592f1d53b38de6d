/**
 * Our EnetHost as a client of a real libenet 1.3 server (enet_tool.c built with gcc -lenet).
 */
import assert from "node:assert/strict";
import { DisconnectReason } from "../../protocol/errors.ts";
import { EnetPacketFlag } from "../../protocol/enet/constants.ts";
import type { EnetDisconnectEvent } from "../../protocol/enet/events.ts";
import type { EnetPeer } from "../../protocol/enet/peer.ts";
import { fnv1a, pattern } from "./_libenet.ts";
import { interopTest, Session } from "./_session.ts";

const FILE = "tests/enet/client_interop_test.ts";

async function connect(s: Session, channels: number, data: number): Promise<EnetPeer> {
  const peer = s.pump.host.connect(
    { hostname: "127.0.0.1", port: s.toolPort },
    channels,
    data,
    performance.now(),
  );
  await s.waitFor("connect", () => peer.connected, 5000);
  await s.waitLine("CONNECT", 1, 2000);
  return peer;
}

interopTest(
  FILE,
  "enet interop: our client <-> libenet echo server, every mode, big packets",
  async () => {
    const s = await Session.server({}, ["--echo"]);
    try {
      const peer = await connect(s, 3, 1575266357);
      assert.equal(s.tool.of("CONNECT")[0].fields[2], 1575266357, "CONNECT data reaches libenet");
      const sends: [number, number, number, number][] = [
        // channel, flags, size, seed
        [1, EnetPacketFlag.RELIABLE, 100, 1],
        [2, 0, 100, 2],
        [2, EnetPacketFlag.UNSEQUENCED, 100, 3],
        [1, EnetPacketFlag.RELIABLE, 5000, 4],
        [2, EnetPacketFlag.UNRELIABLE_FRAGMENT, 3000, 5],
        [2, 0, 3000, 6],
        [0, EnetPacketFlag.RELIABLE | EnetPacketFlag.UNSEQUENCED, 10, 7],
        [2, EnetPacketFlag.UNSEQUENCED | EnetPacketFlag.UNRELIABLE_FRAGMENT, 4000, 8],
        [1, EnetPacketFlag.RELIABLE, 0, 9],
      ];
      const now = performance.now();
      for (const [ch, flags, size, seed] of sends) {
        assert.ok(
          peer.send(ch, pattern(size, seed), flags, now),
        );
      }
      await s.waitFor("echoes", () => s.received().length >= sends.length, 5000);
      await s.waitLine("RECEIVE", sends.length, 2000);
      // libenet saw every packet with the flags ENet gives them on receive
      const expectedFlags = [1, 0, 2, 1, 8, 1, 1, 8, 1];
      const got = s.tool.of("RECEIVE");
      assert.equal(got.length, sends.length);
      for (let i = 0; i < sends.length; i++) {
        const [ch, , size, seed] = sends[i];
        const line = got.find((l) =>
          l.fields[3] === size && l.fields[4] === fnv1a(pattern(size, seed))
        );
        assert.ok(line, `libenet got packet ${i}`);
        assert.equal(line.fields[1], ch);
        assert.equal(line.fields[2], expectedFlags[i], `flags of packet ${i}`);
        const echo = s.received().find((e) =>
          e.data.length === size && fnv1a(e.data) === fnv1a(pattern(size, seed))
        );
        assert.ok(echo, `echo of packet ${i}`);
        assert.equal(echo.channel, ch);
        assert.equal(echo.flags, expectedFlags[i], `echo flags of packet ${i}`);
      }
      // libenet -> us in every flag combination, small and fragmented
      const before = s.received().length;
      const arrived = (size: number, seed: number) =>
        s.received().slice(before).some((x) =>
          x.data.length === size && fnv1a(x.data) === fnv1a(pattern(size, seed))
        );
      // libenet's own sender may shed an unreliable packet (its throttle, on a loaded machine):
      // what is missing is sent again, a few rounds at most
      for (let round = 0; round < 5; round++) {
        const missing: [number, number, number][] = [];
        for (const flags of [0, 1, 2, 3, 8, 10]) {
          for (const [size, seed] of [[90, flags], [3000, flags + 100]]) {
            if (!arrived(size, seed)) missing.push([flags, size, seed]);
          }
        }
        if (missing.length === 0) break;
        for (const [flags, size, seed] of missing) {
          await s.tool.command(`send 2 ${flags} ${size} ${seed}`);
        }
        await s.waitFor(
          "scripted packets",
          () => missing.every(([, size, seed]) => arrived(size, seed)),
          round === 4 ? 5000 : 1000,
        ).catch((e) => {
          if (round === 4) throw e;
        });
      }
      const scripted = s.received().slice(before);
      for (const flags of [0, 1, 2, 3, 8, 10]) {
        for (const [size, seed] of [[90, flags], [3000, flags + 100]]) {
          const e = scripted.find((x) =>
            x.data.length === size && fnv1a(x.data) === fnv1a(pattern(size, seed))
          );
          assert.ok(e, `packet flags ${flags} size ${size}`);
          const big = size > 1372;
          const expected = (flags & 1) !== 0
            ? 1
            : big
            ? ((flags & 8) !== 0 ? 8 : 1)
            : (flags & 2) !== 0
            ? 2
            : 0;
          assert.equal(e.flags, expected, `flags ${flags} size ${size}`);
        }
      }
      assert.equal(peer.stats().commandsDropped, 0);
    } finally {
      await s.close();
    }
  },
);

interopTest(FILE, "enet interop: ordering of many messages both ways, idle keepalive", async () => {
  const s = await Session.server({}, ["--echo"]);
  try {
    const peer = await connect(s, 2, 0);
    const n = 400;
    const start = performance.now();
    for (let i = 0; i < n; i++) {
      const data = pattern(40 + (i % 200), i);
      new DataView(data.buffer).setUint32(0, i, true);
      peer.send(1, data, EnetPacketFlag.RELIABLE, start);
    }
    await s.waitFor("echoes", () => s.received().length >= n, 10000);
    assert.deepEqual(s.received().map((e) => new DataView(e.data.buffer).getUint32(0, true)), [
      ...Array(n).keys(),
    ]);
    await s.waitLine("RECEIVE", n, 5000);
    assert.deepEqual(s.tool.of("RECEIVE").map((l) => l.fields[5]), [...Array(n).keys()]);
    await s.tool.command(`sendn ${n} 0 1 64`);
    await s.waitFor("libenet's burst", () => s.received().length >= 2 * n, 10000);
    assert.deepEqual(
      s.received().slice(n).map((e) => new DataView(e.data.buffer).getUint32(0, true)),
      [...Array(n).keys()],
    );
    // idle for 2.5 s: pings keep both sides alive, nothing disconnects
    const sentBefore = peer.stats().datagramsSent;
    const idleUntil = performance.now() + 2500;
    await s.pump.runUntil(() => performance.now() >= idleUntil, 3000);
    assert.equal(peer.state, "connected");
    assert.equal(s.tool.of("DISCONNECT").length, 0);
    assert.ok(peer.stats().datagramsSent - sentBefore >= 3, "pings went out while idle");
    assert.ok(peer.roundTripTime < 100, `rtt ${peer.roundTripTime}`);
  } finally {
    await s.close();
  }
});

interopTest(FILE, "enet interop: our three disconnect modes reach libenet", async () => {
  for (const mode of ["disconnect", "later", "now"] as const) {
    const s = await Session.server({});
    try {
      const peer = await connect(s, 2, 0);
      const now = performance.now();
      if (mode === "later") {
        for (let i = 0; i < 20; i++) peer.send(1, pattern(3000, i), EnetPacketFlag.RELIABLE, now);
        peer.disconnectLater(33, now);
        assert.equal(peer.state, "disconnect_later");
      } else if (mode === "now") {
        peer.disconnectNow(44, now);
        assert.equal(peer.state, "disconnected");
      } else {
        peer.disconnect(22, now);
      }
      await s.waitLine("DISCONNECT", 1, 5000);
      const data = { disconnect: 22, later: 33, now: 44 }[mode];
      assert.equal(s.tool.of("DISCONNECT")[0].fields[2], data, mode);
      if (mode === "later") {
        assert.equal(s.tool.of("RECEIVE").length, 20, "all data before the disconnect");
      }
      if (mode !== "now") {
        await s.waitFor("our disconnect event", () => s.ofType("disconnect").length > 0, 5000);
        const e = s.ofType("disconnect")[0] as EnetDisconnectEvent;
        assert.equal(e.reason, DisconnectReason.CLOSED);
      } else {
        assert.equal(s.ofType("disconnect").length, 0, "disconnectNow reports nothing");
      }
    } finally {
      await s.close();
    }
  }
});

interopTest(FILE, "enet interop: libenet's three disconnect modes reach us", async () => {
  for (const [mode, data] of [["disconnect", 5], ["later", 6], ["now", 7]] as const) {
    const s = await Session.server({});
    try {
      const peer = await connect(s, 2, 0);
      if (mode === "later") await s.tool.command("sendn 10 1 1 2000");
      await s.tool.command(`${mode} ${data}`);
      await s.waitFor("disconnect event", () => s.ofType("disconnect").length > 0, 5000);
      const e = s.ofType("disconnect")[0] as EnetDisconnectEvent;
      assert.equal(e.reason, DisconnectReason.CLOSED);
      assert.equal(e.data, data);
      assert.equal(e.wasConnected, true);
      assert.equal(peer.state, "disconnected");
      if (mode === "later") assert.equal(s.received().length, 10, "queued data arrived first");
      if (mode === "disconnect") {
        await s.waitLine("DISCONNECT", 1, 3000);
        assert.equal(s.tool.of("DISCONNECT")[0].fields[2], 0);
      }
    } finally {
      await s.close();
    }
  }
});

interopTest(FILE, "enet interop: BANDWIDTH_LIMIT both ways", async () => {
  const s = await Session.server({ incomingBandwidth: 0 }, ["--bw", "131072", "65536"]);
  try {
    const peer = await connect(s, 1, 0);
    // the VERIFY_CONNECT window follows libenet's 128 KiB/s downstream
    assert.equal(peer.stats().windowSize, 8192);
    assert.equal(peer.stats().remoteIncomingBandwidth, 131072);
    // libenet's BANDWIDTH_LIMIT about a second after the connect: its upstream, our share (0)
    await s.waitFor(
      "libenet's BANDWIDTH_LIMIT",
      () => peer.stats().remoteIncomingBandwidth === 0,
      3000,
    );
    assert.equal(peer.stats().remoteOutgoingBandwidth, 65536);
    assert.equal(peer.stats().windowSize, 65536);
    s.pump.host.bandwidthLimit(262144, 196608);
    const until = performance.now() + 1300;
    await s.pump.runUntil(() => performance.now() >= until, 1500);
    await s.tool.command("stats");
    await s.waitLine("STATS", 1, 2000);
    const [, , , , incoming, outgoing] = s.tool.of("STATS")[0].fields;
    // its upstream (64 KiB/s) is below its share of our downstream: ENet grants exactly that
    assert.equal(incoming, 65536, "libenet learned its share of our downstream");
    assert.equal(outgoing, 196608, "libenet learned our upstream limit");
  } finally {
    await s.close();
  }
});

interopTest(FILE, "enet interop: CRC-32 checksums with libenet's enet_crc32", async () => {
  const s = await Session.server({ checksum: true }, ["--echo", "--checksum"]);
  try {
    const peer = await connect(s, 2, 0);
    peer.send(1, pattern(3000, 1), EnetPacketFlag.RELIABLE, performance.now());
    peer.send(0, pattern(50, 2), 0, performance.now());
    await s.waitFor("echoes", () => s.received().length >= 2, 5000);
    assert.deepEqual(s.received().map((e) => e.data.length).sort(), [3000, 50]);
  } finally {
    await s.close();
  }
});

interopTest(FILE, "enet interop: dead peers time out per ENet's rules, both sides", async () => {
  const a = await Session.server({});
  const b = await Session.server({});
  try {
    const peerA = await connect(a, 1, 0);
    await connect(b, 1, 0);
    const t0 = performance.now();
    a.tool.kill(); // libenet dies: we must notice
    b.pump.alive = false; // we go deaf: libenet must notice
    await Promise.all([
      a.waitFor("our timeout", () => a.ofType("disconnect").length > 0, 12000),
      b.waitLine("DISCONNECT", 1, 12000),
    ]);
    const ours = a.ofType("disconnect")[0] as EnetDisconnectEvent;
    assert.equal(ours.reason, DisconnectReason.TIMEOUT);
    assert.equal(peerA.state, "disconnected");
    const tookUs = performance.now() - t0;
    assert.ok(tookUs >= 4500 && tookUs < 12000, `noticed after ${tookUs} ms`);
    const theirs = b.tool.of("DISCONNECT")[0].fields[0] - b.tool.of("CONNECT")[0].fields[0];
    assert.ok(theirs >= 4500, `libenet noticed after ${theirs} ms`);
  } finally {
    await a.close();
    await b.close();
  }
});
