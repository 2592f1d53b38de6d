/**
 * Cross-checks the Variant codec against real Godot 3.2 (godot3-server) running
 * `variant_cases.gd`: Godot's `var2bytes` output must decode to the expected JS values (and
 * re-encode to the same bytes), and our encodings must decode in Godot's `bytes2var` to the
 * values Godot builds itself. Needs godot3-server on PATH (or GODOT3_SERVER) and
 * --allow-run --allow-read --allow-write --allow-env; otherwise it reports itself skipped.
 */
import assert from "node:assert/strict";
import { decodeVariant, encodeVariant } from "../../protocol/godot/variant.ts";
import {
  AABB,
  Basis,
  Color,
  GodotFloat,
  NodePath,
  Plane,
  PoolColorArray,
  PoolStringArray,
  PoolVector2Array,
  PoolVector3Array,
  Quat,
  Rect2,
  RID,
  Transform,
  Transform2D,
  Vector2,
  Vector3,
} from "../../protocol/godot/variant_types.ts";

const f = Math.fround;

/** Our side of every case in variant_cases.gd, by name. */
const EXPECTED: Record<string, unknown> = {
  nil: null,
  bool_true: true,
  bool_false: false,
  int_small: 42,
  int_negative: -7,
  int32_max: 2147483647,
  int32_min: -2147483648,
  int_2p31: 2147483648,
  int_2p53: 2n ** 53n,
  int_2p53_minus_1: 2 ** 53 - 1,
  int64_max: 2n ** 63n - 1n,
  int64_min: -(2n ** 63n),
  real_half: 0.5,
  real_tenth: 0.1,
  real_third: 1 / 3,
  real_whole: new GodotFloat(1),
  real_whole_big: new GodotFloat(1e300),
  real_negative_zero: -0,
  real_inf: Infinity,
  real_minus_inf: -Infinity,
  real_nan: NaN,
  string_empty: "",
  string_ascii: "hello",
  string_utf8: "h\u00e9llo w\u00f6rld \u2713 \u{1F600}",
  vector2: new Vector2(f(0.1), -2.5),
  rect2: new Rect2(new Vector2(1, 2), new Vector2(3, 4.5)),
  vector3: new Vector3(1, -2, f(0.3)),
  transform2d: new Transform2D(new Vector2(1, 2), new Vector2(3, 4), new Vector2(5, 6)),
  plane: new Plane(new Vector3(0, 1, 0), 2.5),
  quat: new Quat(f(0.1), f(0.2), f(0.3), f(0.9)),
  aabb: new AABB(new Vector3(1, 2, 3), new Vector3(4, 5, 6)),
  basis: new Basis(new Vector3(1, 2, 3), new Vector3(4, 5, 6), new Vector3(7, 8, 9)),
  transform: new Transform(
    new Basis(new Vector3(1, 2, 3), new Vector3(4, 5, 6), new Vector3(7, 8, 9)),
    new Vector3(10, 11, 12),
  ),
  color: new Color(1, 0.5, 0.25, 0.75),
  node_path_absolute: new NodePath("/root/Main/Player:position:x"),
  node_path_relative: new NodePath("../Sibling/Child"),
  node_path_subnames: new NodePath(":modulate:a"),
  node_path_empty: new NodePath(""),
  rid: new RID(),
  dict_empty: {},
  dict_strings: { name: "ann", hp: 100, speed: 2.5 },
  dict_mixed_keys: new Map<unknown, unknown>([
    [1, "int"],
    ["s", 2],
    [2.5, "real"],
    [new Vector2(1, 2), "vector2"],
    [[1, "a"], "array"],
    [null, "nil"],
    [true, "bool"],
  ]),
  dict_index_key: new Map<unknown, unknown>([["b", 1], ["7", 2]]),
  dict_proto_key: Object.defineProperties({}, {
    ["__proto__"]: {
      value: { polluted: true },
      enumerable: true,
      writable: true,
      configurable: true,
    },
    constructor: { value: 1, enumerable: true, writable: true, configurable: true },
  }),
  array_empty: [],
  array_nested: [1, [2, [3, { k: [true, null, "x"] }]], "end"],
  pool_byte: new Uint8Array([0, 1, 255, 7, 9]),
  pool_byte_empty: new Uint8Array(0),
  pool_int: new Int32Array([1, -1, 2147483647, -2147483648]),
  pool_real: new Float32Array([0.5, -1.25, 0.1]),
  pool_string: new PoolStringArray(["", "a", "h\u00e9llo", "abc"]),
  pool_vector2: new PoolVector2Array([new Vector2(1, 2), new Vector2(0.1, -3)]),
  pool_vector3: new PoolVector3Array([new Vector3(1, 2, 3)]),
  pool_color: new PoolColorArray([new Color(1, 0, 0, 1), new Color(0, 0.5, 1, 0.25)]),
  everything: [
    { players: [{ id: 2147483648, at: new Vector3(1, 2, 3), tags: new PoolStringArray(["x"]) }] },
    [Transform2D.IDENTITY, Basis.IDENTITY, new Color(0, 0, 0, 0)],
    new NodePath("a/b:c"),
    new Uint8Array([1, 2, 3]),
    1.5,
    -1,
  ],
};

/** Godot leaves a NodePath's padding bytes unset, so its bytes for these differ from ours there. */
const GODOT_PADS_WITH_GARBAGE = new Set([
  "node_path_absolute",
  "node_path_relative",
  "node_path_subnames",
  "everything",
]);

function findGodot(): string | undefined {
  const explicit = Deno.env.get("GODOT3_SERVER");
  const candidates = explicit
    ? [explicit]
    : (Deno.env.get("PATH") ?? "").split(":").filter((dir) => dir !== "").map((dir) =>
      `${dir}/godot3-server`
    );
  for (const candidate of candidates) {
    try {
      if (Deno.statSync(candidate).isFile) return candidate;
    } catch {
      // not there
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
  if (!findGodot()) return "godot3-server not found (install godot3-server, or set GODOT3_SERVER)";
  return undefined;
}

const skip = skipReason();
if (skip) console.warn(`variant_interop_test: skipped: ${skip}`);

/** Runs variant_cases.gd in a fresh project dir with `env`; returns its stdout lines. */
async function runGodot(project: string, env: Record<string, string>): Promise<string[]> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 30_000);
  try {
    const output = await new Deno.Command(findGodot()!, {
      args: ["--no-window", "--path", project, "-s", "variant_cases.gd"],
      env: {
        LANG: "en_US.UTF-8",
        // Keep Godot's user data and caches inside the temp project.
        XDG_DATA_HOME: `${project}/.data`,
        XDG_CONFIG_HOME: `${project}/.config`,
        XDG_CACHE_HOME: `${project}/.cache`,
        ...env,
      },
      stdout: "piped",
      stderr: "piped",
      signal: controller.signal,
    }).output();
    const stdout = new TextDecoder().decode(output.stdout);
    const stderr = new TextDecoder().decode(output.stderr);
    const lines = stdout.split("\n").map((line) => line.trimEnd());
    assert.ok(lines.includes("DONE"), `Godot did not finish:\n${stdout}\n${stderr}`);
    assert.equal(stderr.includes("SCRIPT ERROR"), false, stderr);
    return lines;
  } finally {
    clearTimeout(timer);
  }
}

async function makeProject(): Promise<string> {
  const project = await Deno.makeTempDir({ prefix: "godot-variant-" });
  await Deno.writeTextFile(`${project}/project.godot`, '[application]\nconfig/name="variant"\n');
  await Deno.copyFile(
    new URL("./variant_cases.gd", import.meta.url),
    `${project}/variant_cases.gd`,
  );
  return project;
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function unhex(text: string): Uint8Array {
  return Uint8Array.from(
    { length: text.length / 2 },
    (_, i) => parseInt(text.slice(i * 2, i * 2 + 2), 16),
  );
}

Deno.test({
  name: "godot variant interop: var2bytes output decodes to the expected values",
  ignore: skip !== undefined,
  async fn() {
    const project = await makeProject();
    try {
      const lines = await runGodot(project, { VARIANT_MODE: "emit" });
      const seen = new Set<string>();
      for (const line of lines.filter((l) => l.startsWith("CASE "))) {
        const [, name, bytesHex] = line.split(" ");
        seen.add(name);
        assert.ok(name in EXPECTED, `no expectation for Godot case ${name}`);
        const bytes = unhex(bytesHex);
        const result = decodeVariant(bytes);
        assert.ok(result.ok, `${name}: ${result.ok ? "" : result.error}`);
        assert.equal(result.bytesRead, bytes.length, name);
        assert.deepStrictEqual(result.value, EXPECTED[name], name);
        const again = encodeVariant(result.value);
        if (GODOT_PADS_WITH_GARBAGE.has(name)) {
          assert.equal(again.length, bytes.length, name);
        } else {
          assert.equal(hex(again), bytesHex, `${name}: our encoding differs from Godot's`);
        }
      }
      assert.deepStrictEqual([...seen].sort(), Object.keys(EXPECTED).sort());
    } finally {
      await Deno.remove(project, { recursive: true });
    }
  },
});

Deno.test({
  name: "godot variant interop: bytes2var decodes our encodings to Godot's own values",
  ignore: skip !== undefined,
  async fn() {
    const project = await makeProject();
    try {
      const dir = `${project}/cases`;
      await Deno.mkdir(dir);
      for (const [name, value] of Object.entries(EXPECTED)) {
        await Deno.writeFile(`${dir}/${name}.bin`, encodeVariant(value));
      }
      const lines = await runGodot(project, { VARIANT_MODE: "check", VARIANT_DIR: dir });
      const failures = lines.filter((line) => line.startsWith("FAIL"));
      assert.deepStrictEqual(failures, []);
      const passed = lines.filter((line) => line.startsWith("PASS ")).map((line) => line.slice(5));
      assert.deepStrictEqual(passed.sort(), Object.keys(EXPECTED).sort());
    } finally {
      await Deno.remove(project, { recursive: true });
    }
  },
});
