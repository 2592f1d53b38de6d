/** Random and mutated input never makes the parsers throw, and state stays bounded. */
import assert from "node:assert/strict";
import { FrameDecoder } from "./frame_decoder.ts";
import { encodeFrame, Opcode } from "./frame_encoder.ts";
import { HttpHeadParser } from "./http_head.ts";
import { checkUpgradeRequest } from "./handshake.ts";
import { addressLimitKey } from "./address_key.ts";
import { SeededRandom } from "../random.ts";

const rnd = new SeededRandom(2024);

function mutate(bytes: Uint8Array, flips: number): Uint8Array {
  const out = bytes.slice();
  for (let i = 0; i < flips && out.length > 0; i++) {
    out[rnd.nextU32() % out.length] = rnd.nextU32() & 0xff;
  }
  return out;
}

Deno.test("fuzz: frame decoder never throws on random or mutated streams", () => {
  const sink = { message() {}, ping() {}, pong() {}, close() {} };
  const valid: Uint8Array[] = [];
  for (const opcode of [Opcode.TEXT, Opcode.BINARY, Opcode.PING, Opcode.CLOSE]) {
    for (const size of [0, 2, 125, 126, 1000]) {
      if (opcode >= 0x8 && size > 125) continue;
      const payload = opcode === Opcode.TEXT
        ? new TextEncoder().encode("x".repeat(size))
        : rnd.fill(new Uint8Array(size));
      valid.push(encodeFrame(opcode, payload, { mask: rnd.fill(new Uint8Array(4)) }));
    }
  }
  const codes = new Set<number>();
  for (let round = 0; round < 4000; round++) {
    const decoder = new FrameDecoder(sink, { maxMessageBytes: 200 });
    const input = round % 2 === 0
      ? rnd.fill(new Uint8Array(rnd.nextU32() % 300))
      : mutate(valid[rnd.nextU32() % valid.length], 1 + (rnd.nextU32() % 3));
    let at = 0;
    while (at < input.length) {
      const step = 1 + (rnd.nextU32() % 40);
      const result = decoder.push(input.subarray(at, at + step));
      assert.ok([0, 1002, 1007, 1009].includes(result), `result ${result}`);
      codes.add(result);
      at += step;
    }
    assert.ok(decoder.bufferedBytes <= 200);
  }
  // the fuzz reached every failure kind
  assert.deepEqual([...codes].sort(), [0, 1002, 1007, 1009]);
});

Deno.test("fuzz: head parser and upgrade check never throw on random or mutated requests", () => {
  const valid = new TextEncoder().encode(
    "GET /chat HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" +
      "Sec-WebSocket-Protocol: a, b\r\n\r\n",
  );
  const states = new Map<string, number>();
  let upgrades = 0;
  for (let round = 0; round < 4000; round++) {
    const parser = new HttpHeadParser({ maxHeadBytes: 1024 });
    const input = round % 4 === 0
      ? rnd.fill(new Uint8Array(rnd.nextU32() % 400))
      : mutate(valid, rnd.nextU32() % 4);
    let at = 0;
    let state = "incomplete";
    while (at < input.length && state === "incomplete") {
      const step = 1 + (rnd.nextU32() % 64);
      const result = parser.push(input.subarray(at, at + step));
      state = result.state;
      if (result.state === "complete") {
        const check = checkUpgradeRequest(result.head);
        if (check.ok) upgrades++;
        else assert.ok([400, 426].includes(check.refusal.status));
      }
      at += step;
    }
    assert.ok(parser.bytesSeen <= 1025);
    states.set(state, (states.get(state) ?? 0) + 1);
  }
  assert.ok((states.get("error") ?? 0) > 0 && (states.get("complete") ?? 0) > 0);
  assert.ok(upgrades > 0);
});

Deno.test("fuzz: address keys never throw", () => {
  const alphabet = "0123456789abcdefABCDEF:.%[]fx";
  for (let round = 0; round < 5000; round++) {
    let text = "";
    const length = rnd.nextU32() % 45;
    for (let i = 0; i < length; i++) text += alphabet[rnd.nextU32() % alphabet.length];
    assert.equal(typeof addressLimitKey(text), "string");
  }
});
