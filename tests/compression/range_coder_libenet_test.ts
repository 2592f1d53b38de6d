/**
 * Cross-checks our range coder against libenet's (the library Debian's godot3-server links): a
 * small C driver built with gcc at test time runs `enet_range_coder_compress` /
 * `enet_range_coder_decompress` over a batch of records, and we compare both directions plus
 * the exact compressed bytes, output-limit behaviour and verdicts on damaged streams.
 *
 * Needs gcc, /usr/include/enet/enet.h (libenet-dev) and --allow-run --allow-read --allow-write
 * --allow-env; otherwise the test reports itself skipped with the reason.
 */
import assert from "node:assert/strict";
import { RangeCoder } from "../../protocol/compression/range_coder.ts";
import { damage, GENERATORS } from "../../protocol/compression/_test_inputs.ts";
import { SeededRandom } from "../../protocol/random.ts";

const ENET_HEADER = "/usr/include/enet/enet.h";

function findOnPath(name: string): string | undefined {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    try {
      if (dir && Deno.statSync(`${dir}/${name}`).isFile) return `${dir}/${name}`;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

function skipReason(): string | undefined {
  for (const name of ["run", "read", "write", "env"] as const) {
    if (Deno.permissions.querySync({ name }).state !== "granted") {
      return `needs --allow-run --allow-read --allow-write --allow-env (missing ${name})`;
    }
  }
  if (!findOnPath("gcc")) return "gcc not found in PATH";
  try {
    Deno.statSync(ENET_HEADER);
  } catch {
    return `${ENET_HEADER} missing (apt-get install libenet-dev)`;
  }
  return undefined;
}

const skip = skipReason();
if (skip) console.warn(`range_coder_libenet_test: skipped: ${skip}`);

interface LibenetRecord {
  op: "c" | "d";
  limit: number;
  input: Uint8Array;
}

/** libenet's answer to one record: the output, or undefined when the coder returned 0. */
type LibenetResult = Uint8Array | undefined;

/** Builds the C driver in a temp dir, feeds it every record, and parses its answers. */
async function runLibenet(records: LibenetRecord[]): Promise<LibenetResult[]> {
  const dir = await Deno.makeTempDir({ prefix: "netplay-libenet-" });
  try {
    const binary = `${dir}/range_coder_batch`;
    const source = new URL("./range_coder_batch.c", import.meta.url).pathname;
    const build = await new Deno.Command(findOnPath("gcc")!, {
      args: ["-O2", "-o", binary, source, "-lenet"],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!build.success) throw new Error(`gcc failed:\n${new TextDecoder().decode(build.stderr)}`);
    const child = new Deno.Command(binary, {
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    // Collect the output while feeding the input, so that neither pipe can fill up and stall.
    const output = child.output();
    const writer = child.stdin.getWriter();
    await writer.write(encodeRecords(records));
    await writer.close();
    const run = await output;
    if (!run.success) {
      throw new Error(`driver failed (${run.code}): ${new TextDecoder().decode(run.stderr)}`);
    }
    return decodeResults(run.stdout, records.length);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function encodeRecords(records: LibenetRecord[]): Uint8Array {
  const size = records.reduce((n, r) => n + 9 + r.input.length, 0);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  let at = 0;
  for (const r of records) {
    out[at] = r.op.charCodeAt(0);
    view.setUint32(at + 1, r.limit, true);
    view.setUint32(at + 5, r.input.length, true);
    out.set(r.input, at + 9);
    at += 9 + r.input.length;
  }
  return out;
}

function decodeResults(bytes: Uint8Array, count: number): LibenetResult[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const results: LibenetResult[] = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    const ok = bytes[at] === 1;
    const length = view.getUint32(at + 1, true);
    results.push(ok ? bytes.slice(at + 5, at + 5 + length) : undefined);
    at += 5 + length;
  }
  assert.equal(at, bytes.length, "driver output has trailing bytes");
  return results;
}

function sampleInputs(): Uint8Array[] {
  const random = new SeededRandom(0xe4e7);
  const inputs: Uint8Array[] = [];
  for (let length = 1; length <= 20; length++) {
    for (const generate of Object.values(GENERATORS)) inputs.push(generate(random, length));
  }
  for (const length of [33, 100, 255, 600, 1372, 1400, 2500, 4092, 4096]) {
    for (const generate of Object.values(GENERATORS)) inputs.push(generate(random, length));
  }
  // Long enough to fill the symbol table and restart the model several times.
  inputs.push(GENERATORS.random(random, 20_000), GENERATORS.enet(random, 50_000));
  return inputs;
}

function compressOurs(coder: RangeCoder, input: Uint8Array): Uint8Array {
  const out = new Uint8Array(input.length * 2 + 16);
  const n = coder.compress(input, out);
  assert.ok(n > 0);
  return out.slice(0, n);
}

Deno.test({
  name: "range coder vs libenet: identical bytes and decodable both ways",
  ignore: skip !== undefined,
  async fn(t) {
    const coder = new RangeCoder();
    const inputs = sampleInputs();
    const ours = inputs.map((input) => compressOurs(coder, input));
    const random = new SeededRandom(77);
    const damaged = Array.from({ length: 400 }, (_, i) => ({
      input: damage(random, ours[i % ours.length]),
      limit: 1 + (random.nextU32() % 4096),
    }));
    const records: LibenetRecord[] = [
      ...inputs.map((input) => ({ op: "c" as const, limit: input.length * 2 + 16, input })),
      ...ours.map((packed, i) => ({ op: "d" as const, limit: inputs[i].length, input: packed })),
      // Output limits one byte short, for both directions.
      ...inputs.map((input, i) => ({ op: "c" as const, limit: ours[i].length - 1, input })),
      ...ours.map((packed, i) => ({
        op: "d" as const,
        limit: inputs[i].length - 1,
        input: packed,
      })),
      ...damaged.map(({ input, limit }) => ({ op: "d" as const, limit, input })),
    ];
    const results = await runLibenet(records);
    const n = inputs.length;

    await t.step("libenet compresses to exactly our bytes", () => {
      inputs.forEach((input, i) => {
        assert.deepEqual(results[i], ours[i], `input #${i} (${input.length} bytes)`);
      });
    });

    await t.step("libenet decompresses our output", () => {
      inputs.forEach((input, i) => assert.deepEqual(results[n + i], input, `input #${i}`));
    });

    await t.step("we decompress libenet's output", () => {
      inputs.forEach((input, i) => {
        const plain = new Uint8Array(input.length);
        assert.equal(coder.decompress(results[i]!, plain), input.length);
        assert.deepEqual(plain, input, `input #${i}`);
      });
    });

    await t.step("both give up when the output limit is one byte short", () => {
      inputs.forEach((input, i) => {
        assert.equal(results[2 * n + i], undefined, `libenet compress #${i}`);
        assert.equal(results[3 * n + i], undefined, `libenet decompress #${i}`);
        const packed = new Uint8Array(ours[i].length - 1);
        assert.equal(coder.compress(input, packed), -1);
        assert.equal(coder.decompress(ours[i], new Uint8Array(input.length - 1)), -1);
      });
    });

    await t.step("damaged streams: same verdict and same bytes as libenet", () => {
      let accepted = 0;
      damaged.forEach(({ input, limit }, i) => {
        const theirs = results[4 * n + i];
        const plain = new Uint8Array(limit);
        const written = coder.decompress(input, plain);
        // libenet returns 0 both for failures and for empty output.
        if (theirs === undefined) assert.ok(written <= 0, `stream #${i}: libenet refuses it`);
        else {
          accepted++;
          assert.deepEqual(plain.subarray(0, Math.max(written, 0)), theirs, `stream #${i}`);
        }
      });
      assert.ok(accepted > 0 && accepted < damaged.length, "sample mixes good and bad streams");
    });
  },
});
