import assert from "node:assert/strict";
import { FrameDecoder, type FrameDecoderOptions } from "./frame_decoder.ts";
import { encodeFrame, Opcode } from "./frame_encoder.ts";
import { SeededRandom } from "../random.ts";

type Event =
  | { kind: "message"; data: Uint8Array; text: boolean }
  | { kind: "ping" | "pong"; data: Uint8Array }
  | { kind: "close"; code: number; reason: string };

/** A decoder whose sink records copies of everything. */
function recorder(options?: FrameDecoderOptions) {
  const events: Event[] = [];
  const decoder = new FrameDecoder({
    message: (data, text) => events.push({ kind: "message", data: data.slice(), text }),
    ping: (data) => events.push({ kind: "ping", data: data.slice() }),
    pong: (data) => events.push({ kind: "pong", data: data.slice() }),
    close: (code, reason) => events.push({ kind: "close", code, reason }),
  }, options);
  return { decoder, events };
}

const rnd = new SeededRandom(99);
const enc = new TextEncoder();
const mask = () => rnd.fill(new Uint8Array(4));
const masked = (opcode: Opcode, payload: Uint8Array, fin = true) =>
  encodeFrame(opcode, payload, { mask: mask(), fin });
const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

/** Pushes `bytes` in pieces of the given sizes (cycled); returns the first nonzero result. */
function pushInPieces(decoder: FrameDecoder, bytes: Uint8Array, sizes: number[]): number {
  let at = 0, k = 0;
  while (at < bytes.length) {
    const size = Math.max(1, sizes[k++ % sizes.length]);
    const result = decoder.push(bytes.slice(at, at + size));
    if (result !== 0) return result;
    at += size;
  }
  return 0;
}

Deno.test("frame decoder: every length class (7-bit, 16-bit, 64-bit) round-trips, whole or split", () => {
  const sizes = [0, 1, 125, 126, 127, 65535, 65536, 70000];
  for (const size of sizes) {
    const payload = rnd.fill(new Uint8Array(size));
    const frame = masked(Opcode.BINARY, payload);
    const headerSize = size < 126 ? 6 : size < 65536 ? 8 : 14;
    assert.equal(frame.length, headerSize + size);
    for (const pieces of [[frame.length], [1], [3, 1000, 7], [headerSize - 1, 5]]) {
      const { decoder, events } = recorder({ maxMessageBytes: 70000 });
      assert.equal(pushInPieces(decoder, frame, pieces), 0);
      assert.equal(events.length, 1, `size ${size} pieces ${pieces}`);
      assert.deepEqual(events[0], { kind: "message", data: payload, text: false });
      assert.equal(decoder.bufferedBytes, 0);
    }
  }
});

Deno.test("frame decoder: a message whole in one chunk is a view of that chunk, unmasked in place", () => {
  const payload = enc.encode("in place");
  const chunk = concat(masked(Opcode.TEXT, payload), masked(Opcode.BINARY, new Uint8Array([7])));
  const views: Uint8Array[] = [];
  const decoder = new FrameDecoder({
    message: (data) => views.push(data),
    ping() {},
    pong() {},
    close() {},
  });
  assert.equal(decoder.push(chunk), 0);
  assert.equal(views.length, 2);
  assert.equal(views[0].buffer, chunk.buffer);
  assert.deepEqual(chunk.subarray(6, 6 + payload.length), payload);
  assert.deepEqual(views[1], new Uint8Array([7]));
});

Deno.test("frame decoder: fragmented messages join, with control frames in between", () => {
  const stream = concat(
    masked(Opcode.TEXT, enc.encode("Hel"), false),
    masked(Opcode.PING, enc.encode("p1")),
    masked(Opcode.CONTINUATION, new Uint8Array(0), false),
    masked(Opcode.CONTINUATION, enc.encode("lo €"), false),
    masked(Opcode.PONG, new Uint8Array(0)),
    masked(Opcode.CONTINUATION, enc.encode("!")),
    masked(Opcode.BINARY, new Uint8Array([1, 2]), false),
    masked(Opcode.CONTINUATION, new Uint8Array([3])),
  );
  for (const pieces of [[stream.length], [1], [2, 5]]) {
    const fresh = recorder();
    assert.equal(pushInPieces(fresh.decoder, stream, pieces), 0);
    assert.deepEqual(fresh.events, [
      { kind: "ping", data: enc.encode("p1") },
      { kind: "pong", data: new Uint8Array(0) },
      { kind: "message", data: enc.encode("Hello €!"), text: true },
      { kind: "message", data: new Uint8Array([1, 2, 3]), text: false },
    ]);
    assert.equal(fresh.decoder.failure, 0);
  }
});

Deno.test("frame decoder: a UTF-8 sequence split across fragments is valid; bad UTF-8 is 1007", () => {
  const euro = enc.encode("€"); // 3 bytes
  const split = recorder();
  assert.equal(
    split.decoder.push(concat(
      masked(Opcode.TEXT, euro.subarray(0, 1), false),
      masked(Opcode.CONTINUATION, euro.subarray(1)),
    )),
    0,
  );
  assert.deepEqual(split.events, [{ kind: "message", data: euro, text: true }]);

  for (const bad of [[0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xe2, 0x82]]) {
    const { decoder, events } = recorder();
    assert.equal(decoder.push(masked(Opcode.TEXT, new Uint8Array(bad))), 1007);
    assert.equal(events.length, 0);
    assert.equal(decoder.failure, 1007);
    assert.match(decoder.failureReason, /UTF-8/);
    assert.equal(decoder.done, true);
  }
  // binary messages are not checked
  const binary = recorder();
  assert.equal(binary.decoder.push(masked(Opcode.BINARY, new Uint8Array([0xff]))), 0);
  assert.equal(binary.events.length, 1);
});

Deno.test("frame decoder: unmasked client frames and reserved bits are 1002", () => {
  const unmasked = recorder();
  assert.equal(unmasked.decoder.push(encodeFrame(Opcode.BINARY, new Uint8Array([1]))), 1002);
  assert.match(unmasked.decoder.failureReason, /masked/);
  for (const rsv of [0x40, 0x20, 0x10]) {
    const { decoder } = recorder();
    const frame = encodeFrame(Opcode.BINARY, new Uint8Array([1]), { mask: mask(), rsv });
    assert.equal(decoder.push(frame), 1002);
    assert.match(decoder.failureReason, /reserved bits/);
  }
  // a client-side decoder (requireMask false) takes unmasked frames and refuses masked ones
  const client = recorder({ requireMask: false });
  assert.equal(client.decoder.push(encodeFrame(Opcode.BINARY, new Uint8Array([5]))), 0);
  assert.deepEqual(client.events, [{ kind: "message", data: new Uint8Array([5]), text: false }]);
  assert.equal(client.decoder.push(masked(Opcode.BINARY, new Uint8Array([5]))), 1002);
});

Deno.test("frame decoder: control frame rules (<= 125 bytes, FIN set, known opcodes)", () => {
  const cases: Array<[string, Uint8Array, RegExp]> = [
    // hand-built: the encoder refuses to build these
    [
      "ping of 126",
      concat(new Uint8Array([0x89, 0x80 | 126, 0, 126]), mask(), new Uint8Array(126)),
      /over 125/,
    ],
    ["fragmented ping", concat(new Uint8Array([0x09, 0x80]), mask()), /fragmented control/],
    ["opcode 3", concat(new Uint8Array([0x83, 0x80]), mask()), /reserved opcode 3/],
    ["opcode 11", concat(new Uint8Array([0x8b, 0x80]), mask()), /reserved opcode 11/],
    ["continuation first", masked(Opcode.CONTINUATION, new Uint8Array(1)), /continuation without/],
    [
      "new message inside a fragmented one",
      concat(masked(Opcode.TEXT, enc.encode("a"), false), masked(Opcode.BINARY, enc.encode("b"))),
      /inside a fragmented/,
    ],
    [
      "16-bit length not minimal",
      concat(new Uint8Array([0x82, 0x80 | 126, 0, 125]), mask()),
      /shortest/,
    ],
    [
      "64-bit length not minimal",
      concat(new Uint8Array([0x82, 0x80 | 127, 0, 0, 0, 0, 0, 0, 0xff, 0xff]), mask()),
      /shortest/,
    ],
    [
      "64-bit length top bit",
      new Uint8Array([0x82, 0x80 | 127, 0x80, 0, 0, 0, 0, 0, 0, 0]),
      /top bit/,
    ],
  ];
  for (const [name, bytes, reason] of cases) {
    const { decoder, events } = recorder();
    assert.equal(decoder.push(bytes), 1002, name);
    assert.match(decoder.failureReason, reason, name);
    assert.equal(events.length, 0, name);
  }
  // 125 bytes is fine for a ping
  const ok = recorder();
  assert.equal(ok.decoder.push(masked(Opcode.PING, new Uint8Array(125).fill(9))), 0);
  assert.equal(ok.events[0].kind, "ping");
});

Deno.test("frame decoder: a declared 60 MiB frame is refused (1009) after its header bytes alone", () => {
  const { decoder, events } = recorder();
  const size = 60 * 1024 * 1024;
  const header = new Uint8Array([
    0x82,
    0x80 | 127,
    0,
    0,
    0,
    0,
    size >>> 24,
    (size >>> 16) & 0xff,
    0,
    0,
  ]);
  // the length bytes alone decide: no masking key, no payload needed
  assert.equal(decoder.push(header.subarray(0, 9)), 0);
  assert.equal(decoder.push(header.subarray(9)), 1009);
  assert.match(decoder.failureReason, /over 65536/);
  assert.equal(decoder.bufferedBytes, 0);
  assert.equal(events.length, 0);
  // later input is ignored and the failure sticks
  assert.equal(decoder.push(new Uint8Array(1000)), 1009);

  // the same for a 16-bit length just over a small limit
  const small = recorder({ maxMessageBytes: 1000 });
  assert.equal(small.decoder.push(new Uint8Array([0x82, 0x80 | 126, 0x03, 0xe9])), 1009);
  // a length beyond 2^53 still counts as too big, not as a parse error
  const huge = recorder();
  assert.equal(
    huge.decoder.push(new Uint8Array([0x82, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])),
    1009,
  );
});

Deno.test("frame decoder: fragments are bounded together by the message limit", () => {
  const { decoder, events } = recorder({ maxMessageBytes: 100 });
  assert.equal(decoder.push(masked(Opcode.BINARY, new Uint8Array(60), false)), 0);
  assert.equal(decoder.bufferedBytes, 60);
  assert.equal(decoder.push(masked(Opcode.CONTINUATION, new Uint8Array(40), false)), 0);
  // 100 so far: one more byte passes the limit and is refused on its header
  assert.equal(decoder.push(masked(Opcode.CONTINUATION, new Uint8Array(1))), 1009);
  assert.equal(decoder.bufferedBytes, 0);
  assert.equal(events.length, 0);
  // exactly the limit is fine
  const exact = recorder({ maxMessageBytes: 100 });
  assert.equal(
    exact.decoder.push(concat(
      masked(Opcode.BINARY, new Uint8Array(60), false),
      masked(Opcode.CONTINUATION, new Uint8Array(40)),
    )),
    0,
  );
  assert.equal((exact.events[0] as { data: Uint8Array }).data.length, 100);
  // control frames do not count against the message limit
  const tiny = recorder({ maxMessageBytes: 0 });
  assert.equal(tiny.decoder.push(masked(Opcode.PING, new Uint8Array(100))), 0);
  assert.equal(tiny.decoder.push(masked(Opcode.BINARY, new Uint8Array(0))), 0);
  assert.equal(tiny.events.length, 2);
});

Deno.test("frame decoder: close payloads (empty, code, code + reason, invalid codes, bad UTF-8)", () => {
  const closeWith = (payload: number[] | Uint8Array) => {
    const r = recorder();
    const result = r.decoder.push(masked(Opcode.CLOSE, new Uint8Array(payload)));
    return { result, events: r.events, decoder: r.decoder };
  };
  assert.deepEqual(closeWith([]).events, [{ kind: "close", code: 1005, reason: "" }]);
  assert.deepEqual(closeWith([0x03, 0xe8]).events, [{ kind: "close", code: 1000, reason: "" }]);
  const withReason = closeWith(concat(new Uint8Array([0x0f, 0xa0]), enc.encode("bye ✓")));
  assert.deepEqual(withReason.events, [{ kind: "close", code: 4000, reason: "bye ✓" }]);
  for (
    const code of [
      1000,
      1001,
      1002,
      1003,
      1007,
      1008,
      1009,
      1010,
      1011,
      1012,
      1013,
      1014,
      3000,
      4999,
    ]
  ) {
    assert.equal(closeWith([code >> 8, code & 0xff]).result, 0, `code ${code}`);
  }
  for (const code of [0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535]) {
    const r = closeWith([code >> 8, code & 0xff]);
    assert.equal(r.result, 1002, `code ${code}`);
    assert.equal(r.events.length, 0);
  }
  assert.equal(closeWith([0x03]).result, 1002);
  assert.equal(closeWith([0x03, 0xe8, 0xff]).result, 1007);
  // nothing after a close frame is decoded
  const r = recorder();
  const after = concat(
    masked(Opcode.CLOSE, new Uint8Array(0)),
    masked(Opcode.BINARY, new Uint8Array(1)),
  );
  assert.equal(r.decoder.push(after), 0);
  assert.equal(r.decoder.done, true);
  assert.equal(r.decoder.failure, 0);
  assert.deepEqual(r.events.map((e) => e.kind), ["close"]);
});

Deno.test("frame decoder: random message streams split at random points decode exactly", () => {
  for (let round = 0; round < 40; round++) {
    const expected: Event[] = [];
    const frames: Uint8Array[] = [];
    for (let m = 0; m < 6; m++) {
      const text = rnd.next() < 0.4;
      const length = [0, 5, 125, 126, 300, 4000, 66000][rnd.nextU32() % 7];
      const payload = text
        ? enc.encode("ä".repeat(Math.floor(length / 2)))
        : rnd.fill(new Uint8Array(length));
      expected.push({ kind: "message", data: payload, text });
      // cut into 1-3 fragments, with a ping now and then
      const cuts = rnd.nextU32() % 3;
      let at = 0;
      for (let f = 0; f <= cuts; f++) {
        const end = f === cuts
          ? payload.length
          : Math.min(payload.length, at + (rnd.nextU32() % (payload.length + 1)));
        const opcode = f === 0 ? (text ? Opcode.TEXT : Opcode.BINARY) : Opcode.CONTINUATION;
        frames.push(masked(opcode, payload.subarray(at, end), f === cuts));
        at = end;
        if (rnd.next() < 0.2) {
          const ping = rnd.fill(new Uint8Array(rnd.nextU32() % 126));
          frames.push(masked(Opcode.PING, ping));
          // a ping between fragments arrives before the message it interrupts completes
          if (f < cuts) expected.splice(expected.length - 1, 0, { kind: "ping", data: ping });
          else expected.push({ kind: "ping", data: ping });
        }
      }
    }
    const stream = concat(...frames);
    const { decoder, events } = recorder({ maxMessageBytes: 70000 });
    const pieces = Array.from({ length: 5 }, () => 1 + (rnd.nextU32() % 9000));
    assert.equal(pushInPieces(decoder, stream, pieces), 0);
    assert.deepEqual(events, expected, `round ${round}`);
  }
});
