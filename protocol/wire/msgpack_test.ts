import assert from "node:assert/strict";
// deno-lint-ignore no-import-prefix
import { unpack } from "npm:msgpackr@1.11.5/unpack";
// deno-lint-ignore no-import-prefix
import { pack } from "npm:msgpackr@1.11.5/pack";
import { binHeaderSize, intSize, MsgpackReader, MsgpackWriter } from "./msgpack.ts";
import { SeededRandom } from "../random.ts";

const INTS = [
  0,
  1,
  127,
  128,
  255,
  256,
  65535,
  65536,
  0xffffffff,
  2 ** 32,
  2 ** 53 - 1,
  -1,
  -32,
  -33,
  -128,
  -129,
  -32768,
  -32769,
  -(2 ** 31),
  -(2 ** 31) - 1,
  -(2 ** 53) + 1,
];

Deno.test("ints of every width round-trip and match msgpackr", () => {
  for (const v of INTS) {
    const w = new MsgpackWriter(16);
    w.int(v);
    assert.equal(w.pos, intSize(v), `size of ${v}`);
    assert.equal(Number(unpack(w.buf.subarray(0, w.pos))), v, `msgpackr reads ${v}`);
    const r = new MsgpackReader();
    r.reset(w.buf, 0, w.pos);
    assert.equal(r.int(), v);
    assert.ok(r.ok && r.pos === w.pos);
    // and we read what msgpackr writes
    const theirs = pack(v);
    if (theirs[0] === 0xcb) continue; // msgpackr writes float64 for these: not our subset
    r.reset(theirs, 0, theirs.length);
    assert.equal(r.int(), v);
    assert.ok(r.ok);
  }
});

Deno.test("arrays and bin of every width round-trip and match msgpackr", () => {
  for (const n of [0, 1, 255, 256, 65535, 65536]) {
    const w = new MsgpackWriter(n + 32);
    const payload = new SeededRandom(n).fill(new Uint8Array(n));
    w.arrayHeader(n < 20 ? 1 : 70000);
    w.bin(payload, 0, n);
    const r = new MsgpackReader();
    r.reset(w.buf, 0, w.pos);
    r.arrayHeader();
    assert.ok(r.bin());
    assert.equal(r.binEnd - r.binStart, n);
    assert.equal(r.binStart, w.pos - n);
    assert.equal(binHeaderSize(n) + n + (n < 20 ? 1 : 5), w.pos);
    if (n < 20) {
      const v = unpack(w.buf.subarray(0, w.pos)) as Uint8Array[];
      assert.equal(v.length, 1);
      assert.deepEqual(new Uint8Array(v[0]), payload);
    }
  }
});

Deno.test("reader rejects truncation, wrong types, huge lengths without throwing", () => {
  const r = new MsgpackReader();
  const cases: number[][] = [
    [],
    [0xcd, 0x01],
    [0xce, 1, 2, 3],
    [0xc6, 0xff, 0xff, 0xff, 0xff, 1],
    [0xc4, 5, 1, 2],
    [0xa1, 0x41],
    [0xcb, 0, 0, 0, 0, 0, 0, 0, 0],
    [0xcf, 0xff, 0, 0, 0, 0, 0, 0, 0],
    [0xdd, 0xff, 0xff],
    [0xc0],
  ];
  for (const c of cases) {
    const b = new Uint8Array(c);
    r.reset(b, 0, b.length);
    r.int();
    assert.equal(r.ok, false, `int ${c}`);
    r.reset(b, 0, b.length);
    r.bin();
    assert.equal(r.ok, false, `bin ${c}`);
  }
  // random bytes: any outcome but never an exception or an out-of-range payload
  const rnd = new SeededRandom(5);
  for (let i = 0; i < 20000; i++) {
    const b = rnd.fill(new Uint8Array(1 + (rnd.nextU32() % 12)));
    r.reset(b, 0, b.length);
    r.arrayHeader();
    r.int();
    if (r.bin()) assert.ok(r.binEnd <= b.length);
  }
});
