/**
 * Micro-benchmarks of the per-connection hot paths: frame encode/decode, ack processing and
 * reassembly (reliable fragments, unreliable fragment groups).
 * Run: `deno bench bench/codec_bench.ts`.
 *
 * @module
 */
import {
  beginData,
  finishData,
  FrameCursor,
  MessageKind,
  writeMessage,
} from "../protocol/wire/frame.ts";
import { MsgpackWriter } from "../protocol/wire/msgpack.ts";
import { Connection } from "../protocol/connection/connection.ts";
import { TransferMode } from "../protocol/constants.ts";
import { SentPackets } from "../protocol/connection/_sent_packets.ts";
import { AckTracker } from "../protocol/connection/_ack_tracker.ts";
import { ReassemblyBudget, UnreliableReassembler } from "../protocol/connection/fragmenter.ts";
import { ReliableReceiver } from "../protocol/connection/_reliable_channel.ts";
import { Outbox } from "../protocol/connection/_send.ts";
import { PackResult } from "../protocol/connection/_packer.ts";
import { ConnectionStats } from "../protocol/connection/stats.ts";

const PAYLOAD = new Uint8Array(32);
const w = new MsgpackWriter(1200);

function encode30(): number {
  beginData(w, 0x12345678, 100, 90, 0xffffffff, 0xffffffff, 16);
  for (let i = 0; i < 30; i++) {
    writeMessage(w, MessageKind.RELIABLE, 1, i, 0, 0, false, 0, PAYLOAD, 0, 32);
  }
  finishData(w, 30);
  return w.pos;
}
const frame = w.buf.slice(0, encode30());
const cursor = new FrameCursor();

Deno.bench("frame encode: 30 x 32 B reliable messages", () => {
  encode30();
});

Deno.bench("frame decode: 30 x 32 B messages (cursor, no copies)", () => {
  cursor.begin(frame, 0, frame.length);
  let n = 0;
  while (cursor.next() >= 0) n += cursor.payloadEnd - cursor.payloadStart;
  if (n !== 960) throw new Error("bad decode");
});

const cfg = {
  sessionId: 1,
  wireChannelCount: 2,
  datagramSize: 1200,
  maxMessageSize: 1 << 20,
  timeoutMs: 1e9,
  keepaliveMs: 1e9,
  reliableCarrier: false,
  maxSendQueueBytes: 1 << 24,
  maxReassemblyBytes: 1 << 22,
  now: 0,
};

// receiver: datagrams of 30 reliable 32 B messages with consecutive sequences
const N = 4096;
const datagrams: Uint8Array[] = [];
for (let i = 0; i < N; i++) {
  beginData(w, 1, (i + 1) & 0xffff, 0, 0, 0, 0);
  for (let j = 0; j < 30; j++) {
    writeMessage(w, MessageKind.RELIABLE, 1, (i * 30 + j) & 0xffff, 0, 0, false, 0, PAYLOAD, 0, 32);
  }
  finishData(w, 30);
  datagrams.push(w.buf.slice(0, w.pos));
}
let rx = new Connection(cfg);
let k = 0, delivered = 0;
const sink = () => (delivered++, true);
rx.onMessage = sink;

Deno.bench("connection receive: datagram of 30 x 32 B reliable, delivered (per datagram)", () => {
  if (k === N) {
    rx = new Connection(cfg);
    rx.onMessage = sink;
    k = 0;
  }
  if (!rx.handleDatagram(datagrams[k++], 1)) throw new Error("dropped");
});

// full loop: send 30 messages, transmit, receive, ack back
const a = new Connection(cfg), b = new Connection(cfg);
b.onMessage = sink;
let t = 0;
Deno.bench("connection round: send 30 x 32 B, transmit, receive, ack (per datagram)", () => {
  t += 0.01;
  for (let i = 0; i < 30; i++) a.send(1, TransferMode.RELIABLE, PAYLOAD, undefined, t);
  for (let d = a.pollTransmit(t); d; d = a.pollTransmit(t)) b.handleDatagram(d, t);
  for (let d = b.pollTransmit(t + 5); d; d = b.pollTransmit(t + 5)) a.handleDatagram(d, t);
});

// send path alone: queue 30 x 32 B messages and pack them (reliable carrier: freed once written, so
// the queue stays bounded without acks). Divide by 30 for ns per message.
const outbox = new Outbox(
  { wireChannelCount: 2, fragmentSize: 1100, maxMessageSize: 1 << 20, maxSendQueueBytes: 1 << 24 },
  [undefined, undefined],
  new ConnectionStats(),
);
const packed = new PackResult();
Deno.bench("send + pack: 30 x 32 B reliable messages into one datagram (per 30 messages)", () => {
  for (let i = 0; i < 30; i++) outbox.send(1, TransferMode.RELIABLE, PAYLOAD, undefined, 0);
  beginData(w, 1, 1, 0, 0, 0, 0);
  packed.count = 0;
  outbox.pack(w, undefined, packed);
  finishData(w, packed.count);
  if (packed.count !== 30) throw new Error(`packed ${packed.count}`);
});
const carrierConn = new Connection({ ...cfg, reliableCarrier: true });
Deno.bench(
  "connection send + pollTransmit: 30 x 32 B reliable, carrier mode (per 30 messages)",
  () => {
    for (let i = 0; i < 30; i++) carrierConn.send(1, TransferMode.RELIABLE, PAYLOAD, undefined, 0);
    if (carrierConn.pollTransmit(0) === undefined) throw new Error("nothing sent");
  },
);

Deno.bench("connection construction", () => {
  new Connection(cfg);
});

const listener = {
  onMessageRefs: () => {},
  onPacketAcked: () => {},
  onPacketLost: () => {},
  onSpuriousLoss: () => {},
};
Deno.bench("ack processing: 64 in-flight packets acked by one ack", () => {
  const sp = new SentPackets(listener);
  for (let s = 1; s <= 65; s++) {
    sp.addRef(1, s);
    sp.onSent(s, 0, 1000, false);
  }
  sp.onAck(65, 0xffffffff, 0xffffffff, 1);
});

const tracker = new AckTracker({ ackEveryPackets: 16, maxAckDelayMs: 2 });
let seq = 1;
Deno.bench("ack tracking: record packet + fill 64 ack bits", () => {
  tracker.isNew(seq);
  tracker.record(seq++, true, true, 0);
  tracker.fillBits();
});

// reassembly: a 64 KiB message in 1100 B fragments (60), from one reused source buffer
const FRAG = 1100, FRAGS = 60, src = new Uint8Array(FRAG);
let assembled = 0;
const budget = new ReassemblyBudget(1 << 24);
const reliableSink = { deliverReliable: () => (assembled++, true) };
let rr = new ReliableReceiver(1, reliableSink, budget, 1 << 20, false);
let rseq = 0;
Deno.bench("reassembly: reliable 64 KiB message from 60 in-order fragments", () => {
  if (rseq > 60_000) {
    rr = new ReliableReceiver(1, reliableSink, budget, 1 << 20, false);
    rseq = 0;
  }
  for (let i = 0; i < FRAGS; i++) rr.receive(rseq++ & 0xffff, i, FRAGS, false, 0, src, 0, FRAG);
});

const ur = new UnreliableReassembler(budget, 1 << 20, 1000);
let group = 0;
Deno.bench("reassembly: unreliable 64 KiB group from 60 fragments, reverse order", () => {
  const g = group = (group + 1) & 0xffff;
  let m: Uint8Array | undefined;
  for (let i = FRAGS - 1; i >= 0; i--) {
    m = ur.add(1, false, g, i, FRAGS, false, 0, src, 0, FRAG, 0);
  }
  if (m === undefined || m.length !== FRAG * FRAGS) throw new Error("not reassembled");
});

// ping-pong: one 32 B reliable message each way per round, as the echo scenario does. The client
// sends, the server receives + delivers, then echoes with the ack piggybacked on its reply.
const pa = new Connection(cfg), pb = new Connection(cfg);
let echoed: Uint8Array | undefined, pt = 0;
pb.onMessage = (_ch, _mode, _peer, data) => (echoed = data, true);
pa.onMessage = () => true;
function pingRound(b: Deno.BenchContext, part: "receive" | "reply"): void {
  pt += 0.05; // 50 us per round trip
  pa.send(1, TransferMode.RELIABLE, PAYLOAD, undefined, pt);
  const d = pa.pollTransmit(pt)!;
  if (part === "receive") b.start();
  const ok = pb.handleDatagram(d, pt);
  if (part === "receive") b.end();
  if (!ok || echoed === undefined) throw new Error("not delivered");
  pb.send(1, TransferMode.RELIABLE, echoed, undefined, pt);
  echoed = undefined;
  if (part === "reply") b.start();
  const r = pb.pollTransmit(pt);
  if (part === "reply") b.end();
  if (r === undefined || pb.pollTransmit(pt) !== undefined) throw new Error("not one reply");
  pa.handleDatagram(r, pt + 0.05);
}
Deno.bench("ping-pong: one 32 B reliable message: receive + deliver", (b) => {
  pingRound(b, "receive");
});
Deno.bench("ping-pong: pack one reply with piggybacked ack", (b) => {
  pingRound(b, "reply");
});
