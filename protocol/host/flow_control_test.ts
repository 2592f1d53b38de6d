import assert from "node:assert/strict";
import type { ConnectionApi } from "../connection/types.ts";
import { decodeControl, encodeControl } from "../wire/control.ts";
import { decodeFlow, encodeFlow, FlowAdvertiser, MIN_PEER_IN_BANDWIDTH } from "./_flow_control.ts";
import { HostFlow } from "./_flow.ts";
import { PeerTimeout } from "../connection/_peer_timeout.ts";
import { SeededRandom } from "../random.ts";
import { RateMeter } from "../connection/_rate_meter.ts";

Deno.test("FLOW codec: round trip, nil window, strict and never throwing on garbage", () => {
  assert.deepEqual(decodeFlow(encodeFlow({ window: 0, inBandwidth: 0 })), {
    window: 0,
    inBandwidth: 0,
  });
  assert.deepEqual(decodeFlow(encodeFlow({ window: Infinity, inBandwidth: 123_456 })), {
    window: Infinity,
    inBandwidth: 123_456,
  });
  // other system messages are not FLOW, and FLOW is not a PEER_ADDED/REMOVED
  assert.equal(decodeFlow(encodeControl({ type: 1, id: 5 })), undefined);
  assert.equal(decodeControl(encodeFlow({ window: 5, inBandwidth: 0 })), undefined);
  for (
    const bad of [[0x93, 3, 0xff, 0], [0x93, 3, 0xca, 0x3f, 0, 0, 0, 0], [0x93, 3, 1], [0x92, 3, 1]]
  ) {
    assert.equal(decodeFlow(new Uint8Array(bad)), undefined, `${bad}`);
  }
  const rnd = new SeededRandom(3), base = encodeFlow({ window: 70_000, inBandwidth: 9000 });
  for (let i = 0; i < 5000; i++) {
    const m = base.slice(0, 1 + (rnd.nextU32() % base.length));
    m[rnd.nextU32() % m.length] = rnd.nextU32() & 0xff;
    const r = decodeFlow(m); // never throws
    if (r) assert.ok(r.window >= 0 && r.inBandwidth >= 0 && Number.isInteger(r.inBandwidth));
  }
});

Deno.test("flow advertiser: quiet above half, steps of 1/8, zero edge, cap changes", () => {
  const f = new FlowAdvertiser();
  assert.equal(f.update(800, 1000, 0), undefined);
  assert.deepEqual(f.update(400, 1000, 0), { window: 400, inBandwidth: 0 });
  assert.equal(f.update(300, 1000, 0), undefined);
  assert.deepEqual(f.update(250, 1000, 0), { window: 250, inBandwidth: 0 });
  assert.deepEqual(f.update(-5, 1000, 0), { window: 0, inBandwidth: 0 });
  assert.deepEqual(f.update(60, 1000, 0), { window: 60, inBandwidth: 0 }, "left zero");
  assert.deepEqual(f.update(600, 1000, 0), { window: Infinity, inBandwidth: 0 });
  assert.deepEqual(f.update(600, 1000, 1000), { window: Infinity, inBandwidth: 1000 });
  assert.equal(f.update(600, 1000, 1200), undefined, "cap moved less than a quarter");
  assert.deepEqual(f.update(600, 1000, 500), { window: Infinity, inBandwidth: 500 });
});

function fakeConn(log: string[]): ConnectionApi {
  return {
    setPeerFlow: (w: number, bw: number) => void log.push(`flow ${w} ${bw}`),
    setOutBandwidth: (bw: number) => void log.push(`out ${bw}`),
  } as unknown as ConnectionApi;
}

Deno.test("host flow: splits caps across peers, advertises only touched peers, applies FLOW", () => {
  const sent: string[] = [], log: string[] = [];
  type P = { name: string; conn: ConnectionApi; inboundPackets: number; inboundBytes: number };
  const flow = new HostFlow<P>({
    maxInboundBytes: 100_000,
    maxInboundBytesPerPeer: 10_000,
    maxInboundPacketsPerPeer: 100,
    datagramSize: 1000,
    inBandwidth: 90_000,
    outBandwidth: 30_000,
  }, (peer, bytes) => void sent.push(`${peer.name} ${JSON.stringify(decodeFlow(bytes))}`));
  const a = { name: "a", conn: fakeConn(log), inboundPackets: 0, inboundBytes: 0 };
  const b = { name: "b", conn: fakeConn(log), inboundPackets: 0, inboundBytes: 0 };
  const ws = { name: "ws", conn: fakeConn(log), inboundPackets: 0, inboundBytes: 0 };
  flow.add(a, false, [a], 0);
  flow.add(ws, true, [a, ws], 0);
  flow.add(b, false, [a, ws, b], 0);
  // (JSON shows the Infinity window, "not limiting", as null)
  assert.deepEqual(sent, [
    'a {"window":null,"inBandwidth":90000}',
    'a {"window":null,"inBandwidth":45000}',
    'b {"window":null,"inBandwidth":45000}',
  ]);
  assert.deepEqual(log, ["out 30000", "out 15000", "out 15000"]);
  sent.length = 0;
  a.inboundBytes = 9_000;
  a.inboundPackets = 9;
  flow.touch(a);
  flow.touch(a);
  flow.flush(9_000);
  assert.deepEqual(sent, ['a {"window":1000,"inBandwidth":45000}']);
  assert.equal(flow.receive(a, encodeFlow({ window: 500, inBandwidth: 10 }), 0), true);
  assert.equal(log.at(-1), `flow 500 ${MIN_PEER_IN_BANDWIDTH}`, "tiny caps are raised");
  assert.equal(flow.receive(a, encodeControl({ type: 1, id: 3 }), 0), false);
  flow.remove(b, [a, ws], 0);
  assert.equal(log.at(-1), "out 30000");
});

Deno.test("rate meter: steady rate, idle decay, young meter", () => {
  const m = new RateMeter({ now: 0 });
  for (let t = 0; t < 3000; t += 10) m.add(1000, t);
  assert.ok(Math.abs(m.rate(3000) - 100_000) < 5_000, `${m.rate(3000)}`);
  assert.equal(m.rate(10_000), 0, "idle for longer than the window");
  const young = new RateMeter({ now: 1000 });
  young.add(500, 1000);
  young.add(500, 1050);
  assert.ok(Math.abs(young.rate(1100) - 10_000) < 1, `${young.rate(1100)}`);
  assert.equal(young.total, 1000);
});

Deno.test("peer timeout: defaults to a fixed timeout; validates", () => {
  assert.equal(new PeerTimeout(5000).effective(1000, 500), 5000);
  assert.equal(new PeerTimeout(1000, 500, 4000).effective(300, 25), 2000);
  assert.equal(new PeerTimeout(1000, 1500, 4000).effective(0, 0), 1500);
  assert.throws(() => new PeerTimeout(0), /limitMs > 0/);
});
