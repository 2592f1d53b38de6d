/**
 * Cross-checks FastLZ, zlib (MODE_DEFLATE) and zstd against Godot 3.2.3 itself: a GDScript run
 * by godot3-server compresses our inputs with `PoolByteArray.compress()` and decompresses our
 * output with `PoolByteArray.decompress()`; files in a temp dir carry the data both ways.
 *
 * Godot's ENet compressor hook calls the same `Compression::compress` / `decompress` functions
 * as these PoolByteArray methods; the hook only adds ENet's framing (it passes the datagram body
 * and an output limit, and gives up when the result is not smaller). So byte equality here is
 * equality with what a Godot ENet peer sends and accepts.
 *
 * Needs godot3-server and --allow-run --allow-read --allow-write --allow-env; otherwise the test
 * reports itself skipped with the reason.
 */
import assert from "node:assert/strict";
import * as zlib from "node:zlib";
import { FastLzCodec } from "../../protocol/compression/fastlz.ts";
import { ZlibCodec } from "../../protocol/compression/zlib.ts";
import { ZstdCodec } from "../../protocol/compression/zstd.ts";
import type { BlockCodec } from "../../protocol/compression/codec.ts";
import { GENERATORS } from "../../protocol/compression/_test_inputs.ts";
import { SeededRandom } from "../../protocol/random.ts";
import { findGodot, runGodotScript } from "./_godot.ts";

/** Godot 3's File.COMPRESSION_* values (what PoolByteArray.compress takes). */
const FILE_MODE = { fastlz: 0, deflate: 1, zstd: 2 } as const;
type CodecName = keyof typeof FILE_MODE;

function skipReason(): string | undefined {
  for (const name of ["run", "read", "write", "env"] as const) {
    if (Deno.permissions.querySync({ name }).state !== "granted") {
      return `needs --allow-run --allow-read --allow-write --allow-env (missing ${name})`;
    }
  }
  if (!findGodot()) return "godot3-server not found in PATH (apt-get install godot3-server)";
  return undefined;
}

const skip = skipReason();
if (skip) console.warn(`godot_codecs_test: skipped: ${skip}`);

interface Job {
  op: "compress" | "decompress";
  codec: CodecName;
  name: string;
  input: Uint8Array;
  size: number;
}

function sampleInputs(): Uint8Array[] {
  const random = new SeededRandom(0x60d07);
  const inputs: Uint8Array[] = [];
  for (const length of [1, 3, 4, 7, 12, 15, 16, 17, 20]) {
    inputs.push(GENERATORS.random(random, length), GENERATORS.runs(random, length));
  }
  for (const length of [33, 100, 300, 1000, 1400, 4000, 4092]) {
    for (const generate of Object.values(GENERATORS)) inputs.push(generate(random, length));
  }
  // Level-2 FastLZ territory (64 KiB and up) and long matches.
  inputs.push(GENERATORS.repetitive(random, 70_000), GENERATORS.runs(random, 66_000));
  inputs.push(GENERATORS.random(random, 65_536), GENERATORS.enet(random, 100_000));
  return inputs;
}

/** Level-1 FastLZ streams with a byte changed after the first (so the level stays 1). */
function corruptFastLz(codec: FastLzCodec, random: SeededRandom): Uint8Array[] {
  const streams: Uint8Array[] = [];
  for (let i = 0; i < 60; i++) {
    const plain = (i % 2 ? GENERATORS.repetitive : GENERATORS.enet)(random, 20 + i * 7);
    const packed = new Uint8Array(FastLzCodec.maxCompressedLength(plain.length));
    const stream = packed.slice(0, codec.compress(plain, packed));
    const at = 1 + (random.nextU32() % (stream.length - 1));
    stream[at] = i % 3 === 0 ? random.nextU32() & 0xff : stream[at] ^ (1 << (random.nextU32() % 8));
    streams.push(i % 5 === 0 ? stream.subarray(0, at) : stream);
  }
  return streams.filter((s) => s.length > 0);
}

/** Odd but possible zstd/zlib inputs: frame sequences, stray bytes, truncation, bit flips. */
function streamCases(): { codec: "deflate" | "zstd"; input: Uint8Array }[] {
  const random = new SeededRandom(7);
  const ours = codecs();
  const a = compressWith(ours.zstd, GENERATORS.enet(random, 500));
  const b = compressWith(ours.zstd, GENERATORS.repetitive(random, 300));
  const skippable = Uint8Array.of(0x5a, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 1, 2, 3);
  const z = compressWith(ours.deflate, GENERATORS.enet(random, 500));
  const cases: { codec: "deflate" | "zstd"; input: Uint8Array }[] = [
    { codec: "zstd", input: concat(a, b) },
    { codec: "zstd", input: concat(skippable, a, skippable) },
    { codec: "zstd", input: concat(a, Uint8Array.of(1, 2, 3)) },
    { codec: "zstd", input: concat(a, Uint8Array.of(0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0)) },
    { codec: "zstd", input: a.subarray(0, a.length - 1) },
    { codec: "deflate", input: concat(z, Uint8Array.of(9, 9, 9)) },
    { codec: "deflate", input: concat(z, z) },
    { codec: "deflate", input: z.subarray(0, z.length - 1) },
    { codec: "deflate", input: concat(Uint8Array.of(0x78, 0xbb, 0, 0, 0, 0), z.subarray(2)) },
  ];
  // Bit flips only for zlib, whose Adler-32 catches them all. zstd frames carry no checksum and
  // zstd 1.4 and 1.5 disagree on some corrupt blocks (one rejects, the other decodes garbage).
  for (let i = 0; i < 16; i++) {
    const input = z.slice();
    input[random.nextU32() % input.length] ^= 1 << (random.nextU32() % 8);
    cases.push({ codec: "deflate", input });
  }
  return cases;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function codecs(): Record<CodecName, BlockCodec> {
  return {
    fastlz: new FastLzCodec(),
    deflate: new ZlibCodec({ zlib }),
    zstd: new ZstdCodec({ zlib }),
  };
}

function compressWith(codec: BlockCodec, input: Uint8Array): Uint8Array {
  const out = new Uint8Array(FastLzCodec.maxCompressedLength(input.length) + 1024);
  const n = codec.compress(input, out);
  assert.ok(n >= 0, "our compressor failed");
  return out.slice(0, n);
}

Deno.test({
  name: "godot codecs: FastLZ, zlib and zstd agree with Godot 3.2.3 both ways",
  ignore: skip !== undefined,
  async fn(t) {
    const ours = codecs();
    const inputs = sampleInputs();
    const jobs: Job[] = [];
    inputs.forEach((input, i) => {
      for (const codec of Object.keys(FILE_MODE) as CodecName[]) {
        jobs.push({ op: "compress", codec, name: `c_${codec}_${i}`, input, size: 0 });
        // Godot decompresses into exactly the original size (FastLZ: at least 16 bytes).
        const size = codec === "fastlz" ? Math.max(16, input.length) : input.length;
        const packed = compressWith(ours[codec], input);
        jobs.push({ op: "decompress", codec, name: `d_${codec}_${i}`, input: packed, size });
      }
    });
    const corrupt = corruptFastLz(new FastLzCodec(), new SeededRandom(99));
    corrupt.forEach((input, i) => {
      jobs.push({ op: "decompress", codec: "fastlz", name: `x_${i}`, input, size: 4096 });
    });

    const odd = streamCases();
    odd.forEach(({ codec, input }, i) => {
      jobs.push({ op: "decompress", codec, name: `s_${i}`, input, size: 4096 });
    });

    const outputs = await runGodotScript(
      new URL("./godot_codecs.gd", import.meta.url),
      jobs.map((j) => ({
        line: `${j.op} ${FILE_MODE[j.codec]} ${j.name} ${j.size}`,
        name: j.name,
        input: j.input,
      })),
    );
    const byName = new Map(jobs.map((j, i) => [j.name, { job: j, out: outputs[i] }]));

    await t.step("Godot decompresses our output to the original bytes", () => {
      inputs.forEach((input, i) => {
        for (const codec of Object.keys(FILE_MODE) as CodecName[]) {
          const { out } = byName.get(`d_${codec}_${i}`)!;
          // A short FastLZ input comes back zero-padded to 16 bytes.
          const expected = new Uint8Array(
            codec === "fastlz" ? Math.max(16, input.length) : input.length,
          );
          expected.set(input);
          assert.deepEqual(out, expected, `${codec} input #${i} (${input.length} bytes)`);
        }
      });
    });

    await t.step("we decompress Godot's output to the original bytes", () => {
      const fresh = codecs();
      inputs.forEach((input, i) => {
        for (const codec of Object.keys(FILE_MODE) as CodecName[]) {
          const { out: packed } = byName.get(`c_${codec}_${i}`)!;
          const dst = new Uint8Array(Math.max(16, input.length));
          const n = fresh[codec].decompress(packed, dst);
          assert.equal(n, codec === "fastlz" ? Math.max(16, input.length) : input.length);
          assert.deepEqual(dst.subarray(0, input.length), input, `${codec} input #${i}`);
        }
      });
    });

    await t.step("our FastLZ bytes are identical to Godot's (levels 1 and 2)", () => {
      const fastlz = new FastLzCodec();
      inputs.forEach((input, i) => {
        const { out: theirs } = byName.get(`c_fastlz_${i}`)!;
        assert.deepEqual(
          compressWith(fastlz, input),
          theirs,
          `input #${i} (${input.length} bytes)`,
        );
      });
    });

    // node:zlib links other zlib/zstd builds than Godot (Chromium's zlib, zstd 1.5 vs 1.4.4),
    // whose match finders differ on larger inputs; the stream parameters must still agree.
    await t.step("our zlib and zstd streams carry Godot's headers", () => {
      const fresh = codecs();
      inputs.forEach((input, i) => {
        for (const codec of ["deflate", "zstd"] as const) {
          const { out: theirs } = byName.get(`c_${codec}_${i}`)!;
          const mine = compressWith(fresh[codec], input);
          const length = codec === "deflate" ? 2 : zstdHeaderLength(theirs);
          assert.deepEqual(mine.subarray(0, length), theirs.subarray(0, length), `${codec} #${i}`);
        }
      });
    });

    await t.step("corrupt FastLZ streams: we accept exactly what Godot accepts", () => {
      const fastlz = new FastLzCodec();
      let accepted = 0;
      corrupt.forEach((input, i) => {
        const { out: theirs } = byName.get(`x_${i}`)!;
        const dst = new Uint8Array(4096);
        const n = fastlz.decompress(input, dst);
        // Godot's PoolByteArray.decompress returns an empty array on failure.
        if (theirs.length === 0) assert.equal(n, -1, `stream #${i}: Godot rejects it`);
        else {
          accepted++;
          assert.deepEqual(dst.subarray(0, Math.max(n, 0)), theirs, `stream #${i}`);
        }
      });
      assert.ok(accepted > 0 && accepted < corrupt.length, "sample mixes good and bad streams");
    });

    await t.step("zstd frame sequences and odd zlib streams: same verdicts as Godot", () => {
      const fresh = codecs();
      odd.forEach(({ codec, input }, i) => {
        const { out: theirs } = byName.get(`s_${i}`)!;
        const dst = new Uint8Array(4096);
        const n = fresh[codec].decompress(input, dst);
        const label = `${codec} case #${i}`;
        if (theirs.length === 0) assert.equal(n, -1, `${label}: Godot rejects it`);
        else assert.deepEqual(dst.subarray(0, Math.max(n, 0)), theirs, label);
      });
    });
  },
});

/** Magic, descriptor, window byte and content size of a zstd frame (no dictionary id). */
function zstdHeaderLength(frame: Uint8Array): number {
  const descriptor = frame[4];
  const singleSegment = (descriptor & 0x20) !== 0;
  const sizeBytes = [singleSegment ? 1 : 0, 2, 4, 8][descriptor >> 6];
  return 5 + (singleSegment ? 0 : 1) + sizeBytes;
}
