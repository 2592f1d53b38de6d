/**
 * Our EnetHost as a server for real libenet 1.3 clients (enet_tool.c built with gcc -lenet).
 */
import assert from "node:assert/strict";
import { DisconnectReason } from "../../protocol/errors.ts";
import { EnetPacketFlag } from "../../protocol/enet/constants.ts";
import type {
  EnetConnectRequestEvent,
  EnetDisconnectEvent,
  EnetEvent,
} from "../../protocol/enet/events.ts";
import type { EnetPeer } from "../../protocol/enet/peer.ts";
import { fnv1a, pattern } from "./_libenet.ts";
import { interopTest, Session } from "./_session.ts";

const FILE = "tests/enet/server_interop_test.ts";

/** Accepts the first request and waits for both ends to report the connection. */
async function admit(s: Session, expectData: number): Promise<EnetPeer> {
  await s.waitFor("connect request", () => s.ofType("connectRequest").length > 0, 5000);
  const request = (s.ofType("connectRequest")[0] as EnetConnectRequestEvent).request;
  assert.equal(request.data, expectData);
  assert.ok(s.pump.host.accept(request, performance.now()));
  await s.waitFor("connect", () => s.ofType("connect").length > 0, 5000);
  await s.waitLine("CONNECT", 1, 3000);
  return request.peer;
}

interopTest(
  FILE,
  "enet interop: libenet client -> our server: admission, every mode both ways",
  async () => {
    const s = await Session.client({ channelLimit: 3 }, 4, 1575266357);
    try {
      const peer = await admit(s, 1575266357);
      const connect = s.ofType("connect")[0] as Extract<EnetEvent, { type: "connect" }>;
      assert.equal(connect.data, 1575266357, "connect event carries the CONNECT data");
      assert.equal(peer.channelCount, 3, "channel count clamped to our limit");
      assert.equal(s.tool.of("CONNECT")[0].fields[2], 0, "libenet client sees data 0");
      // libenet -> us
      const flagSet = [0, 1, 2, 8, 9, 10];
      for (const flags of flagSet) {
        await s.tool.command(`send 1 ${flags} 77 ${flags}`);
        await s.tool.command(`send 2 ${flags} 5000 ${flags + 50}`);
      }
      await s.waitFor("libenet's packets", () => s.received().length >= 2 * flagSet.length, 5000);
      for (const flags of flagSet) {
        for (const [size, seed, ch] of [[77, flags, 1], [5000, flags + 50, 2]]) {
          const e = s.received().find((x) =>
            x.data.length === size && fnv1a(x.data) === fnv1a(pattern(size, seed))
          );
          assert.ok(e, `libenet packet flags ${flags} size ${size}`);
          assert.equal(e.channel, ch);
        }
      }
      // us -> libenet
      const now = performance.now();
      const ours: [number, number, number][] = [
        [0, EnetPacketFlag.RELIABLE, 5000],
        [1, 0, 3000],
        [1, EnetPacketFlag.UNRELIABLE_FRAGMENT, 3000],
        [2, EnetPacketFlag.UNSEQUENCED, 600],
        [2, 0, 600],
        [0, EnetPacketFlag.RELIABLE, 1],
      ];
      ours.forEach(([ch, flags, size], i) => peer.send(ch, pattern(size, 200 + i), flags, now));
      await s.waitLine("RECEIVE", ours.length, 5000);
      const expectedFlags = [1, 1, 8, 2, 0, 1];
      ours.forEach(([ch, , size], i) => {
        const line = s.tool.of("RECEIVE").find((l) =>
          l.fields[4] === fnv1a(pattern(size, 200 + i))
        );
        assert.ok(line, `our packet ${i}`);
        assert.equal(line.fields[1], ch);
        assert.equal(line.fields[2], expectedFlags[i], `flags of our packet ${i}`);
        assert.equal(line.fields[3], size);
      });
      // many reliable messages keep their order through libenet
      for (let i = 0; i < 300; i++) {
        const d = pattern(20, i);
        new DataView(d.buffer).setUint32(0, i, true);
        peer.send(1, d, EnetPacketFlag.RELIABLE, performance.now());
      }
      await s.waitLine("RECEIVE", ours.length + 300, 5000);
      assert.deepEqual(
        s.tool.of("RECEIVE").slice(ours.length).map((l) => l.fields[5]),
        [...Array(300).keys()],
      );
      assert.equal(peer.stats().commandsDropped, 0);
    } finally {
      await s.close();
    }
  },
);

interopTest(
  FILE,
  "enet interop: a rejected CONNECT fails at once on the libenet client",
  async () => {
    const s = await Session.client({}, 2, 99);
    try {
      await s.waitFor("connect request", () => s.ofType("connectRequest").length > 0, 5000);
      const request = (s.ofType("connectRequest")[0] as EnetConnectRequestEvent).request;
      const t0 = performance.now();
      assert.ok(s.pump.host.reject(request, 4321, t0));
      await s.waitLine("DISCONNECT", 1, 3000);
      assert.ok(performance.now() - t0 < 1000, "reported within a second");
      assert.equal(s.tool.of("CONNECT").length, 0, "no connect before the disconnect");
      assert.equal(
        s.tool.of("DISCONNECT")[0].fields[2],
        4321,
        "the reject data reaches the client",
      );
      assert.equal(s.pump.host.peers.length, 0, "no state left on our side");
    } finally {
      await s.close();
    }
  },
);

interopTest(FILE, "enet interop: a full server refuses a libenet client at once", async () => {
  const s = await Session.client({ peerLimit: 1, autoAccept: true, fullRejectData: 77 }, 1, 1);
  try {
    await s.waitFor("first client", () => s.ofType("connect").length > 0, 5000);
    const t0 = performance.now();
    const second = await s.extraClient(1, 2);
    try {
      await s.waitFor("refusal", () => second.of("DISCONNECT").length > 0, 5000);
      assert.ok(performance.now() - t0 < 2000);
      assert.equal(second.of("CONNECT").length, 0);
      assert.equal(second.of("DISCONNECT")[0].fields[2], 77);
    } finally {
      await second.stop();
    }
    assert.equal(s.pump.host.peers.length, 1);
    assert.equal(s.ofType("connect").length, 1);
  } finally {
    await s.close();
  }
});

interopTest(
  FILE,
  "enet interop: a CONNECT retransmitted while the owner decides makes one peer",
  async () => {
    const s = await Session.client({}, 1, 3);
    try {
      await s.waitFor("connect request", () => s.ofType("connectRequest").length > 0, 5000);
      // libenet retransmits its CONNECT after 500 ms and 1500 ms: still one request, one peer
      const until = performance.now() + 1700;
      await s.pump.runUntil(() => performance.now() >= until, 2000);
      assert.equal(s.ofType("connectRequest").length, 1);
      assert.equal(s.pump.host.peers.length, 1);
      const request = (s.ofType("connectRequest")[0] as EnetConnectRequestEvent).request;
      // our VERIFY_CONNECT is lost: only the client's next CONNECT makes us send it again
      let dropped = 0;
      s.pump.dropOutgoing = () => dropped++ === 0;
      assert.ok(s.pump.host.accept(request, performance.now()));
      await s.waitLine("CONNECT", 1, 5000);
      await s.waitFor("connect", () => s.ofType("connect").length === 1, 3000);
      assert.equal(dropped >= 2, true);
      assert.equal(s.pump.host.peers.length, 1);
    } finally {
      await s.close();
    }
  },
);

interopTest(
  FILE,
  "enet interop: disconnect modes between libenet clients and our server",
  async () => {
    for (
      const [side, mode, data] of [
        ["ours", "disconnect", 11],
        ["ours", "later", 12],
        ["ours", "now", 13],
        ["theirs", "disconnect", 14],
        ["theirs", "later", 15],
        ["theirs", "now", 16],
      ] as const
    ) {
      const s = await Session.client({}, 2, 5);
      try {
        const peer = await admit(s, 5);
        const now = performance.now();
        if (side === "ours") {
          if (mode === "later") {
            for (let i = 0; i < 15; i++) {
              peer.send(
                1,
                pattern(2500, i),
                EnetPacketFlag.RELIABLE,
                now,
              );
            }
            peer.disconnectLater(data, now);
          } else if (mode === "now") peer.disconnectNow(data, now);
          else peer.disconnect(data, now);
          await s.waitLine("DISCONNECT", 1, 5000);
          assert.equal(s.tool.of("DISCONNECT")[0].fields[2], data, `${side} ${mode}`);
          if (mode === "later") assert.equal(s.tool.of("RECEIVE").length, 15);
        } else {
          if (mode === "later") await s.tool.command("sendn 12 1 1 3000");
          await s.tool.command(`${mode} ${data}`);
          await s.waitFor("disconnect", () => s.ofType("disconnect").length > 0, 5000);
          const e = s.ofType("disconnect")[0] as EnetDisconnectEvent;
          assert.equal(e.reason, DisconnectReason.CLOSED);
          assert.equal(e.data, data, `${side} ${mode}`);
          if (mode === "later") assert.equal(s.received().length, 12);
        }
        await s.waitFor(
          "slot freed",
          () => s.pump.host.peers.length === 0 || peer.state === "disconnected",
          5000,
        );
      } finally {
        await s.close();
      }
    }
  },
);
