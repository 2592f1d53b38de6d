import assert from "node:assert/strict";
import { MultiplayerError } from "../errors.ts";
import { SeededRandom } from "../random.ts";
import {
  decodeVariant,
  DEFAULT_VARIANT_LIMITS,
  encodeVariant,
  encodeVariantInto,
  VariantType,
  variantTypeName,
} from "./variant.ts";
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
} from "./variant_types.ts";

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function unhex(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, "");
  return Uint8Array.from(
    { length: clean.length / 2 },
    (_, i) => parseInt(clean.slice(i * 2, i * 2 + 2), 16),
  );
}

function decodeOk(bytes: Uint8Array): unknown {
  const result = decodeVariant(bytes);
  if (!result.ok) throw new Error(`decode failed: ${result.error}`);
  assert.equal(result.bytesRead, bytes.length);
  return result.value;
}

function decodeError(bytes: Uint8Array, limits?: Parameters<typeof decodeVariant>[1]): string {
  const result = decodeVariant(bytes, limits);
  assert.equal(result.ok, false, `expected an error for ${hex(bytes)}`);
  return result.ok ? "" : result.error;
}

function assertEncodeThrows(value: unknown, pattern: RegExp, code = "INVALID_ARGUMENT"): void {
  assert.throws(() => encodeVariant(value), (e: unknown) => {
    assert.ok(e instanceof MultiplayerError, String(e));
    assert.equal(e.code, code);
    assert.match(e.message, pattern);
    return true;
  });
}

// Golden encodings: written from the format description; the ones marked (godot) were also
// printed by Godot 3.2.3's var2bytes while this file was written.
const GOLDEN: [string, unknown, string][] = [
  ["nil", null, "00000000"],
  ["false", false, "01000000 00000000"],
  ["true", true, "01000000 01000000"],
  ["int 1 (RPC argument in the captures)", 1, "02000000 01000000"],
  ["int -1", -1, "02000000 ffffffff"],
  ["int32 max", 2147483647, "02000000 ffffff7f"],
  ["int32 min", -2147483648, "02000000 00000080"],
  ["int 2^31 -> 64-bit", 2147483648, "02000100 00000080 00000000"],
  ["int -2^31-1 -> 64-bit", -2147483649, "02000100 ffffff7f ffffffff"],
  ["int64 max (godot)", 9223372036854775807n, "02000100 ffffffff ffffff7f"],
  ["int64 min", -9223372036854775808n, "02000100 00000000 00000080"],
  ["real 0.5", 0.5, "03000000 0000003f"],
  ["real 0.1 -> f64", 0.1, "03000100 9a999999 9999b93f"],
  ["real 1.0 (godot)", new GodotFloat(1), "03000000 0000803f"],
  ["real -0 (godot)", -0, "03000000 00000080"],
  ["real inf (godot)", Infinity, "03000000 0000807f"],
  ["real nan -> f64 (godot)", NaN, "03000100 00000000 0000f87f"],
  ["string empty", "", "04000000 00000000"],
  ["string hé (godot)", "h\u00e9", "04000000 03000000 68c3a900"],
  ["string abcd", "abcd", "04000000 04000000 61626364"],
  ["vector2", new Vector2(1, 2), "05000000 0000803f 00000040"],
  [
    "rect2",
    new Rect2(new Vector2(1, 2), new Vector2(3, 4)),
    "06000000 0000803f 00000040 00004040 00008040",
  ],
  ["vector3", new Vector3(1, 2, 3), "07000000 0000803f 00000040 00004040"],
  [
    "transform2d (godot)",
    new Transform2D(new Vector2(1, 2), new Vector2(3, 4), new Vector2(5, 6)),
    "08000000 0000803f 00000040 00004040 00008040 0000a040 0000c040",
  ],
  ["plane", new Plane(new Vector3(0, 1, 0), 2), "09000000 00000000 0000803f 00000000 00000040"],
  ["quat", new Quat(0, 0, 0, 1), "0a000000 00000000 00000000 00000000 0000803f"],
  [
    "aabb",
    new AABB(new Vector3(1, 2, 3), new Vector3(4, 5, 6)),
    "0b000000 0000803f 00000040 00004040 00008040 0000a040 0000c040",
  ],
  [
    "basis, sent row by row (godot)",
    new Basis(new Vector3(1, 2, 3), new Vector3(4, 5, 6), new Vector3(7, 8, 9)),
    "0c000000 0000803f 00008040 0000e040 00000040 0000a040 00000041 00004040 0000c040 00001041",
  ],
  [
    "transform",
    new Transform(Basis.IDENTITY, new Vector3(7, 8, 9)),
    "0d000000 0000803f 00000000 00000000 00000000 0000803f 00000000 00000000 00000000 0000803f" +
    " 0000e040 00000041 00001041",
  ],
  ["color", new Color(1, 0.5, 0, 1), "0e000000 0000803f 0000003f 00000000 0000803f"],
  [
    "node path (godot)",
    new NodePath("/root/a:b:cde"),
    "0f000000 02000080 02000000 01000000 04000000 726f6f74 01000000 61000000 01000000 62000000" +
    " 03000000 63646500",
  ],
  ["empty node path (godot)", new NodePath(""), "0f000000 00000080 00000000 00000000"],
  ["rid (godot)", new RID(), "10000000"],
  ["empty dictionary", {}, "12000000 00000000"],
  [
    "dictionary with an int key (godot)",
    new Map<unknown, unknown>([[1, "a"], ["x", 2]]),
    "12000000 02000000 02000000 01000000 04000000 01000000 61000000 04000000 01000000 78000000" +
    " 02000000 02000000",
  ],
  [
    "dictionary of strings",
    { a: true },
    "12000000 01000000 04000000 01000000 61000000 01000000 01000000",
  ],
  ["empty array", [], "13000000 00000000"],
  ["array", [null, [1]], "13000000 02000000 00000000 13000000 01000000 02000000 01000000"],
  ["byte array", new Uint8Array([1, 2, 3, 4, 5]), "14000000 05000000 01020304 05000000"],
  ["int array", new Int32Array([1, -1]), "15000000 02000000 01000000 ffffffff"],
  ["real array", new Float32Array([1, 0.5]), "16000000 02000000 0000803f 0000003f"],
  [
    "string array, each string with its NUL (godot)",
    new PoolStringArray(["", "ab", "abcd"]),
    "17000000 03000000 01000000 00000000 03000000 61620000 05000000 61626364 00000000",
  ],
  [
    "vector2 array",
    new PoolVector2Array([new Vector2(1, 2)]),
    "18000000 01000000 0000803f 00000040",
  ],
  [
    "vector3 array",
    new PoolVector3Array([new Vector3(1, 2, 3)]),
    "19000000 01000000 0000803f 00000040 00004040",
  ],
  [
    "color array",
    new PoolColorArray([new Color(1, 0, 0, 1)]),
    "1a000000 01000000 0000803f 00000000 00000000 0000803f",
  ],
];

Deno.test("variant: golden encodings of every type, both ways", () => {
  for (const [name, value, expected] of GOLDEN) {
    const bytes = encodeVariant(value);
    assert.equal(hex(bytes), expected.replace(/\s+/g, ""), `encode ${name}`);
    assert.deepStrictEqual(decodeOk(bytes), value, `decode ${name}`);
  }
});

Deno.test("variant: undefined encodes as NIL and decodes as null", () => {
  assert.equal(hex(encodeVariant(undefined)), "00000000");
  assert.equal(hex(encodeVariant([undefined])), "130000000100000000000000");
  assert.deepStrictEqual(decodeOk(encodeVariant({ a: undefined })), { a: null });
});

Deno.test("variant: integers and bigints choose their width like Godot", () => {
  assert.equal(hex(encodeVariant(1n)), "02000000" + "01000000");
  assert.equal(hex(encodeVariant(-(2n ** 31n))), "02000000" + "00000080");
  assert.equal(hex(encodeVariant(2n ** 31n)), "02000100" + "00000080" + "00000000");
  assert.equal(decodeOk(encodeVariant(1n)), 1);
  // 2^53 is whole but not safe: sent as INT 64, decoded as a bigint.
  assert.equal(hex(encodeVariant(2 ** 53)), "02000100" + "00000000" + "00002000");
  assert.equal(decodeOk(encodeVariant(2 ** 53)), 2n ** 53n);
  assert.equal(decodeOk(encodeVariant(2 ** 53 - 1)), 2 ** 53 - 1);
  assert.equal(decodeOk(encodeVariant(-(2 ** 53) + 1)), -(2 ** 53) + 1);
  assert.equal(decodeOk(encodeVariant(-(2 ** 53))), -(2n ** 53n));
  assert.equal(hex(encodeVariant(-(2 ** 63))), "02000100" + "00000000" + "00000080");
  assert.equal(decodeOk(encodeVariant(-(2 ** 63))), -(2n ** 63n));
  assert.equal(decodeOk(encodeVariant(2n ** 63n - 1n)), 2n ** 63n - 1n);
  assert.equal(decodeOk(encodeVariant(2 ** 40)), 2 ** 40);
  assert.equal(decodeOk(encodeVariant(-(2 ** 40) - 7)), -(2 ** 40) - 7);
  // A 64-bit INT that fits 32 bits is valid input (Godot would have used 4 bytes).
  assert.equal(decodeOk(unhex("02000100 05000000 00000000")), 5);
  assertEncodeThrows(2n ** 63n, /value is a bigint outside int64/);
  assertEncodeThrows(-(2n ** 63n) - 1n, /outside int64/);
  assertEncodeThrows(2 ** 63, /value is an integer outside int64.*GodotFloat/);
  assertEncodeThrows(1e300, /outside int64/);
  assert.equal(hex(encodeVariant(new GodotFloat(1e300))), "03000100" + hex(f64Bytes(1e300)));
});

function f64Bytes(value: number): Uint8Array {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setFloat64(0, value, true);
  return bytes;
}

Deno.test("variant: REAL decodes to a number only when that number re-encodes identically", () => {
  assert.equal(decodeOk(unhex("03000000 0000003f")), 0.5);
  assert.equal(decodeOk(unhex("03000100 9a999999 9999b93f")), 0.1);
  assert.ok(Object.is(decodeOk(unhex("03000000 00000080")), -0));
  // A whole float would become INT as a number.
  assert.deepStrictEqual(decodeOk(unhex("03000000 0000803f")), new GodotFloat(1, 32));
  assert.deepStrictEqual(decodeOk(unhex("03000100 00000000 0000f03f")), new GodotFloat(1, 64));
  // f64 holding an f32-exact value, and an f32 NaN: widths the automatic choice would not pick.
  assert.deepStrictEqual(decodeOk(unhex("03000100 00000000 0000e03f")), new GodotFloat(0.5, 64));
  const nan32 = decodeOk(unhex("03000000 0000c0ff"));
  assert.ok(nan32 instanceof GodotFloat && Number.isNaN(nan32.value) && nan32.width === 32);
  for (const bytes of ["03000000 0000803f", "03000100 00000000 0000e03f", "03000000 0000c07f"]) {
    assert.equal(hex(encodeVariant(decodeOk(unhex(bytes)))), bytes.replace(/\s/g, ""));
  }
  assert.equal(hex(encodeVariant(new GodotFloat(0.5, 64))), "03000100" + "00000000" + "0000e03f");
  assert.equal(hex(encodeVariant(new GodotFloat(0.1, 32))), "03000000" + "cdcccc3d");
});

Deno.test("variant: dictionaries come back as plain objects or Maps, keeping wire order", () => {
  const record = decodeOk(encodeVariant({ b: 1, a: 2 }));
  assert.deepStrictEqual(record, { b: 1, a: 2 });
  assert.equal(Object.getPrototypeOf(record), Object.prototype);
  assert.deepStrictEqual(Object.keys(record as object), ["b", "a"]);
  // An index-like key would jump to the front of a JS object, so a Map keeps the order.
  const indexKeyed = new Map<unknown, unknown>([["b", 1], ["7", 2]]);
  const decoded = decodeOk(encodeVariant(indexKeyed));
  assert.deepStrictEqual(decoded, indexKeyed);
  assert.equal(hex(encodeVariant(decoded)), hex(encodeVariant(indexKeyed)));
  assert.ok(!(decodeOk(encodeVariant({ "07": 1, "4294967295": 2 })) instanceof Map));
  // Non-string keys of every kind.
  const mixed = new Map<unknown, unknown>([
    [1, "int"],
    [new GodotFloat(2), "float"],
    [2.5, "real"],
    [null, "nil"],
    [true, "bool"],
    [new Vector2(1, 2), "vector"],
    [[1, 2], "array"],
    [new Map([[3, 4]]), "dict"],
    [new NodePath("a/b"), "path"],
    [2n ** 60n, "big"],
  ]);
  const mixedBytes = encodeVariant(mixed);
  assert.deepStrictEqual(decodeOk(mixedBytes), mixed);
  assert.equal(hex(encodeVariant(decodeOk(mixedBytes))), hex(mixedBytes));
  // A string key after a non-string one keeps its place in the Map.
  assert.deepStrictEqual([
    ...(decodeOk(encodeVariant(new Map<unknown, unknown>([["a", 1], [2, 2], ["c", 3]]))) as Map<
      unknown,
      unknown
    >).keys(),
  ], ["a", 2, "c"]);
});

Deno.test("variant: a __proto__ key is an own property, never a prototype change", () => {
  // { "__proto__": { polluted: 1 } } built by hand: a literal would set the prototype.
  const bytes = unhex(
    "12000000 01000000 04000000 09000000 5f5f70726f746f5f5f000000" +
      "12000000 01000000 04000000 08000000 706f6c6c75746564 02000000 01000000",
  );
  const value = decodeOk(bytes) as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(value), Object.prototype);
  assert.ok(Object.hasOwn(value, "__proto__"));
  assert.deepStrictEqual(Object.keys(value), ["__proto__"]);
  assert.equal((value as { polluted?: unknown }).polluted, undefined);
  assert.equal(({} as { polluted?: unknown }).polluted, undefined);
  assert.equal(hex(encodeVariant(value)), hex(bytes));
  // Other Object.prototype names are plain keys too.
  const names = decodeOk(encodeVariant({ constructor: 1, toString: 2, hasOwnProperty: 3 }));
  assert.deepStrictEqual(Object.entries(names as object), [["constructor", 1], ["toString", 2], [
    "hasOwnProperty",
    3,
  ]]);
});

Deno.test("variant: duplicate dictionary keys and REAL -0 Map keys", () => {
  const duplicate = unhex("12000000 02000000" + "04000000 01000000 61000000 00000000".repeat(2));
  assert.match(decodeError(duplicate), /repeats the key at byte 24/);
  // INT 1 written in 4 and in 8 bytes is the same key for Godot and for us.
  const intTwice = unhex(
    "12000000 02000000 02000000 01000000 00000000 02000100 01000000 00000000 00000000",
  );
  assert.match(decodeError(intTwice), /repeats the key/);
  // -0 and 0 are different keys (REAL and INT); a Map would fold -0 into 0.
  const zeros = new Map<unknown, unknown>([[-0, "minus"], [0, "int"]]);
  assert.equal(zeros.size, 1, "a Map folds -0 into 0 on its own");
  const bytes = unhex("12000000 02000000 03000000 00000080 00000000 02000000 00000000 00000000");
  const decoded = decodeOk(bytes) as Map<unknown, unknown>;
  assert.equal(decoded.size, 2);
  const [first] = decoded.keys();
  assert.ok(first instanceof GodotFloat && Object.is(first.value, -0));
  assert.equal(hex(encodeVariant(decoded)), hex(bytes));
});

Deno.test("variant: nested values round-trip byte-identically", () => {
  const value = {
    name: "player \u{1F600}",
    stats: [1, -2, 3.25, 2n ** 62n, new GodotFloat(4), NaN, -Infinity],
    where: new Transform(
      new Basis(new Vector3(0.1, 0, 0), new Vector3(0, 1, 0), new Vector3(0, 0, 1)),
      new Vector3(1, 2, 3),
    ),
    tags: new PoolStringArray(["a", "\u00fcber", ""]),
    path: new NodePath("../Sibling:modulate:a"),
    blob: new Uint8Array([9, 8, 7]),
    deep: [[[[{ x: [new Color(0.25, 0.5, 0.75)] }]]]],
    lookup: new Map<unknown, unknown>([[new Vector3(1, 1, 1), new RID()], [7, {}]]),
    pools: [
      new Int32Array([1, 2, 3]),
      new Float32Array([0.5]),
      new PoolVector2Array(),
      new PoolColorArray(),
    ],
  };
  const bytes = encodeVariant(value);
  const decoded = decodeOk(bytes);
  assert.equal(hex(encodeVariant(decoded)), hex(bytes));
  const again = decodeOk(encodeVariant(decoded)) as typeof value;
  assert.equal(again.name, value.name);
  assert.equal(again.stats[3], 2n ** 62n);
  assert.deepStrictEqual(again.tags, value.tags);
  assert.equal(String(again.path), "../Sibling:modulate:a");
  assert.equal(again.where.basis.x.x, Math.fround(0.1));
});

Deno.test("variant: typed array views encode only their range; decoded pools are copies", () => {
  const backing = new Uint8Array([0, 1, 2, 3, 4, 5]);
  assert.equal(hex(encodeVariant(backing.subarray(2, 5))), "14000000" + "03000000" + "02030400");
  const ints = new Int32Array([7, 8, 9]).subarray(1);
  assert.equal(hex(encodeVariant(ints)), "15000000" + "02000000" + "08000000" + "09000000");
  const input = encodeVariant(new Uint8Array([1, 2]));
  const decoded = decodeOk(input) as Uint8Array;
  input[8] = 99;
  assert.deepStrictEqual(decoded, new Uint8Array([1, 2]));
  // A NaN payload inside a pool survives byte for byte.
  const pool = unhex("16000000 01000000 0100a07f");
  assert.equal(hex(encodeVariant(decodeOk(pool))), hex(pool));
});

Deno.test("variant: encoding refuses what Godot cannot hold, naming the path", () => {
  assertEncodeThrows(() => 1, /^encodeVariant: value is a function/);
  assertEncodeThrows({ a: [0, Symbol("s")] }, /value\.a\[1\] is a symbol/);
  assertEncodeThrows({ when: new Date(0) }, /value\.when is an instance of Date/);
  assertEncodeThrows([new Float64Array(1)], /value\[0\] is an instance of Float64Array/);
  assertEncodeThrows(new Map([[() => 0, 1]]), /value<key #0> is a function/);
  assertEncodeThrows(new Map([[1, () => 0]]), /value<value of key #0> is a function/);
  assertEncodeThrows({ "a b": { c: Symbol() } }, /value\["a b"\]\.c is a symbol/);
  assertEncodeThrows({ [Symbol("k")]: 1 }, /symbol keys/);
  assertEncodeThrows("a\ud800", /lone UTF-16 surrogate/);
  assertEncodeThrows({ k: "a\0b" }, /value\.k is a string containing NUL/);
  assertEncodeThrows({ "x\0": 1 }, /containing NUL/);
  assertEncodeThrows(new PoolStringArray(["ok", "\udc00"]), /value\[1\] is a string with a lone/);
  assertEncodeThrows(
    NodePath.fromParts(["a\0"], [], false),
    /value\.names\[0\] is a string containing NUL/,
  );
  assertEncodeThrows(new Vector2(1, "2" as unknown as number), /malformed VECTOR2: component 1/);
  assertEncodeThrows(
    new Rect2(new Vector2(1, 2), undefined as unknown as Vector2),
    /malformed RECT2: component 2/,
  );
  assertEncodeThrows(
    Object.assign(new PoolVector2Array(), { data: new Float32Array(3) }),
    /malformed pool/,
  );
  class Custom {}
  assertEncodeThrows([new Custom()], /value\[0\] is an instance of Custom/);
  assertEncodeThrows(Object.create({}), /custom prototype|instance of Object/);
});

Deno.test("variant: cycles are refused, shared subtrees are not", () => {
  const cyclic: unknown[] = [1];
  cyclic.push(cyclic);
  assertEncodeThrows(cyclic, /value\[1\] is a cycle/);
  const record: Record<string, unknown> = {};
  record.self = { back: record };
  assertEncodeThrows(record, /value\.self\.back is a cycle/);
  const map = new Map<unknown, unknown>();
  map.set("m", map);
  assertEncodeThrows(map, /cycle/);
  const shared = [1, 2];
  assert.deepStrictEqual(decodeOk(encodeVariant([shared, shared])), [[1, 2], [1, 2]]);
});

function nested(depth: number): unknown {
  let value: unknown = 0;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

Deno.test("variant: depth, item and byte limits apply both ways", () => {
  const deepest = encodeVariant(nested(32));
  assert.equal(decodeVariant(deepest).ok, true);
  assertEncodeThrows(nested(33), /nests deeper than maxDepth \(32\)/);
  const tooDeep = unhex("13000000 01000000".repeat(33) + "00000000");
  assert.match(decodeError(tooDeep), /nests deeper than maxDepth \(32\)/);
  assert.match(decodeError(encodeVariant(nested(3)), { maxDepth: 2 }), /maxDepth \(2\)/);
  assert.equal(decodeVariant(encodeVariant({ a: { b: 1 } }), { maxDepth: 2 }).ok, true);
  assert.throws(() => encodeVariant({ a: { b: 1 } }, { maxDepth: 1 }), /maxDepth \(1\)/);

  // Items: array elements, dictionary entries and pool strings, summed over all levels.
  const many = Array.from({ length: 65_536 }, () => null);
  assert.equal(decodeVariant(encodeVariant(many)).ok, true);
  assertEncodeThrows([...many, null], /maxItems \(65536\)/);
  assert.match(decodeError(encodeVariant([[1, 2], [3]]), { maxItems: 4 }), /maxItems \(4\)/);
  assert.equal(decodeVariant(encodeVariant([[1, 2], [3]]), { maxItems: 5 }).ok, true);
  assert.match(decodeError(encodeVariant({ a: 1, b: 2 }), { maxItems: 1 }), /maxItems/);
  assert.match(
    decodeError(encodeVariant(new PoolStringArray(["a", "b"])), { maxItems: 1 }),
    /maxItems/,
  );
  assert.match(decodeError(encodeVariant(new NodePath("a/b:c")), { maxItems: 2 }), /maxItems/);
  // A count far beyond the input is refused before anything is allocated.
  assert.match(decodeError(unhex("13000000 ffffff7f")), /maxItems/);
  assert.match(
    decodeError(unhex("13000000 10000000"), { maxItems: 1e9 }),
    /truncated: ARRAY of 16 items/,
  );

  // Bytes.
  assert.throws(() => encodeVariant(new Uint8Array(100), { maxBytes: 64 }), (e: unknown) => {
    assert.ok(e instanceof MultiplayerError && e.code === "PACKET_TOO_LARGE");
    return true;
  });
  assert.equal(encodeVariant(new Uint8Array(100), { maxBytes: 108 }).length, 108);
  assert.throws(() => encodeVariant("x".repeat(100), { maxBytes: 100 }), /maxBytes \(100\)/);
  assert.equal(encodeVariant("\u00e9".repeat(48), { maxBytes: 104 }).length, 104);
  const big = encodeVariant(new Uint8Array(100));
  assert.match(decodeError(big, { maxBytes: 100 }), /exceed maxBytes \(100\)/);
  assert.equal(decodeVariant(big, { maxBytes: 108 }).ok, true);
  // Even a maxDepth beyond what the JS stack can recurse gives an error result, not a throw.
  const abyss = new Uint8Array(8 * 50_000 + 4);
  for (let i = 0; i < 50_000; i++) abyss.set([0x13, 0, 0, 0, 1, 0, 0, 0], i * 8);
  const abyssResult = decodeVariant(abyss, { maxDepth: 1e9, maxItems: 1e9 });
  assert.ok(abyssResult.ok || /decoding failed/.test(abyssResult.error));
  // Bad limits are reported, not thrown, by the decoder.
  assert.match(
    decodeError(big, { maxDepth: -1 }),
    /limits\.maxDepth must be a non-negative integer/,
  );
  assert.throws(() => encodeVariant(1, { maxItems: 1.5 }), /limits\.maxItems/);
  assert.equal(DEFAULT_VARIANT_LIMITS.maxItems, 65_536);
});

Deno.test("variant: decoding rejects malformed input with a reason", () => {
  const cases: [string, RegExp][] = [
    ["", /truncated: variant header at byte 0 needs 4 bytes, 0 remain/],
    ["110000000000000000000000", /OBJECT at byte 0: objects are never decoded/],
    ["11000100 00000000 00000000", /objects are never decoded/],
    ["13000000 01000000 11000000", /OBJECT at byte 8/],
    ["1b000000", /unknown Variant type id 27/],
    ["ff000000", /unknown Variant type id 255/],
    ["00000100", /NIL header at byte 0 has unknown flags 0x10000/],
    ["01000080 00000000", /unknown flags 0x80000000/],
    ["04000100 00000000", /STRING header .* unknown flags/],
    ["01000000 02000000", /BOOL at byte 4 is 2, not 0 or 1/],
    ["02000000 0100", /truncated: INT at byte 4 needs 4 bytes, 2 remain/],
    ["02000100 01000000", /truncated: 64-bit INT/],
    ["03000100 00000000", /truncated: REAL/],
    ["04000000 05000000 61626364", /truncated: STRING of 5 bytes/],
    ["04000000 03000000 616263", /truncated: STRING of 3 bytes/],
    ["04000000 ffffffff", /negative length/],
    ["04000000 02000000 ff610000", /not valid UTF-8/],
    ["04000000 02000000 c0af0000", /not valid UTF-8/], // overlong "/"
    ["04000000 03000000 eda08000", /not valid UTF-8/], // a surrogate
    ["04000000 04000000 f4908080", /not valid UTF-8/], // above U+10FFFF
    ["04000000 03000000 61006200", /contains a NUL byte/],
    ["05000000 0000803f", /truncated: VECTOR2/],
    ["0d000000" + "00".repeat(44), /truncated: TRANSFORM/],
    ["0f000000 03000000 61626300", /retired layout/],
    ["0f000000 01000080 00000000", /truncated: NODE_PATH counts/],
    ["0f000000 00000080 00000000 04000000", /NODE_PATH at byte 4 has unknown flags 0x4/],
    ["0f000000 01000080 00000000 00000000", /truncated: NODE_PATH of 1 parts/],
    ["12000000 01000000 00000000", /truncated: DICTIONARY of 1 items/],
    ["12000000 02000000 00000000 00000000 00000000", /truncated/],
    ["13000000 01000000", /truncated: ARRAY of 1 items/],
    ["14000000 05000000 0102030405", /truncated: POOL_BYTE_ARRAY padding/],
    ["14000000 00000080", /negative count/],
    ["15000000 02000000 01000000", /truncated: POOL_INT_ARRAY of 2 items/],
    ["16000000 ffffff7f", /truncated: POOL_REAL_ARRAY/],
    ["17000000 01000000 00000000 00000000", /lacks its terminating NUL/],
    ["17000000 01000000 02000000 61620000", /lacks its terminating NUL/],
    ["17000000 01000000 04000000 61006200", /contains a NUL/],
    ["17000000 ffffffff", /negative count/],
    ["18000000 01000000 0000803f", /truncated: POOL_VECTOR2_ARRAY/],
    ["19000000 01000000 0000803f 0000803f", /truncated: POOL_VECTOR3_ARRAY/],
    ["1a000000 00000040", /truncated: POOL_COLOR_ARRAY/],
  ];
  for (const [input, pattern] of cases) assert.match(decodeError(unhex(input)), pattern, input);
  assert.match(decodeError(new Uint8Array([1, 2, 3])), /truncated/);
  const notBytes = decodeVariant([2, 0, 0, 0] as unknown as Uint8Array);
  assert.ok(!notBytes.ok && /needs a Uint8Array/.test(notBytes.error));
});

Deno.test("variant: lenient where Godot is: shared bit, padding content, old NodePath property flag", () => {
  // Bit 31 of an ARRAY / DICTIONARY count is ignored.
  assert.deepStrictEqual(decodeOk(unhex("13000000 01000080 00000000")), [null]);
  assert.deepStrictEqual(decodeOk(unhex("12000000 00000080")), {});
  // Non-zero padding is accepted (Godot's NodePath writer leaves it unset).
  assert.equal(decodeOk(unhex("04000000 01000000 61ffffff")), "a");
  assert.equal(
    String(decodeOk(unhex("0f000000 01000080 00000000 00000000 01000000 61eeeeee"))),
    "a",
  );
  // Flag 2: one more subname than counted.
  const legacy = decodeOk(
    unhex("0f000000 01000080 00000000 03000000 01000000 61000000 01000000 62000000"),
  );
  assert.ok(legacy instanceof NodePath);
  assert.equal(String(legacy), "/a:b");
  // A leading BOM is kept as a character.
  assert.equal(decodeOk(unhex("04000000 04000000 efbbbf61")), "\ufeffa");
});

Deno.test("variant: trailing bytes are not an error; bytesRead finds the next variant", () => {
  const two = unhex("02000000 01000000 04000000 01000000 78000000");
  const first = decodeVariant(two);
  assert.ok(first.ok);
  assert.equal(first.value, 1);
  assert.equal(first.bytesRead, 8);
  const second = decodeVariant(two.subarray(first.bytesRead));
  assert.ok(second.ok && second.value === "x" && second.bytesRead === 12);
  // A view with a byteOffset decodes from its own start.
  const padded = new Uint8Array(20);
  padded.set(unhex("02000000 2a000000"), 5);
  const view = decodeVariant(padded.subarray(5));
  assert.ok(view.ok && view.value === 42);
});

Deno.test("variant: encodeVariantInto writes at an offset and refuses a too small target", () => {
  const value = { list: [1, "two", new Vector2(3, 4)] };
  const expected = encodeVariant(value);
  const target = new Uint8Array(expected.length + 10).fill(0xaa);
  const written = encodeVariantInto(value, target, 3);
  assert.equal(written, expected.length);
  assert.equal(hex(target.subarray(3, 3 + written)), hex(expected));
  assert.equal(target[2], 0xaa);
  assert.equal(target[3 + written], 0xaa);
  // Exactly enough room.
  assert.equal(encodeVariantInto(value, new Uint8Array(expected.length)), expected.length);
  for (const size of [0, 4, expected.length - 1]) {
    assert.throws(() => encodeVariantInto(value, new Uint8Array(size)), (e: unknown) => {
      assert.ok(e instanceof MultiplayerError && e.code === "PACKET_TOO_LARGE");
      return true;
    });
  }
  // A subarray target with its own byteOffset.
  const outer = new Uint8Array(64);
  assert.equal(encodeVariantInto("hi", outer.subarray(8), 4), 12);
  assert.equal(hex(outer.subarray(12, 24)), "04000000" + "02000000" + "68690000");
  assert.throws(() => encodeVariantInto(1, new Uint8Array(4), 5), /offset 5 is outside/);
  assert.throws(
    () => encodeVariantInto(1, new Uint8Array(16), 0, { maxBytes: 4 }),
    /PACKET_TOO_LARGE|4 bytes/,
  );
});

Deno.test("variant: encoding works from inside a getter (nested call) and after a failure", () => {
  const tricky = {
    get inner() {
      return encodeVariant([1, 2]);
    },
  };
  const bytes = encodeVariant(tricky);
  const decoded = decodeOk(bytes) as { inner: Uint8Array };
  assert.deepStrictEqual(decoded.inner, encodeVariant([1, 2]));
  assert.throws(() => encodeVariant([1, () => 0]));
  assert.equal(hex(encodeVariant(7)), "0200000007000000");
  // A large encoding grows the scratch buffer; the next call still works.
  assert.equal(encodeVariant(new Uint8Array(200_000)).length, 200_008);
  assert.equal(hex(encodeVariant(true)), "0100000001000000");
});

Deno.test("variant: variantTypeName and VariantType agree", () => {
  assert.equal(variantTypeName(VariantType.POOL_COLOR_ARRAY), "POOL_COLOR_ARRAY");
  assert.equal(variantTypeName(0), "NIL");
  assert.equal(variantTypeName(27), "type 27");
  assert.equal(variantTypeName(-1), "type -1");
  assert.equal(Object.keys(VariantType).length, 27);
});

/** Valid encodings that exercise every reader, for truncation and mutation. */
const SAMPLES: Uint8Array[] = [
  ...GOLDEN.map(([, value]) => encodeVariant(value)),
  encodeVariant({ a: [1, 2.5, "x", { b: new Vector3(1, 2, 3) }], c: new Map([[1, [true]]]) }),
  encodeVariant([
    new PoolStringArray(["ab", "c"]),
    new NodePath("/x/y:z"),
    new Uint8Array(3),
    2n ** 40n,
  ]),
  encodeVariant([
    new Transform(Basis.IDENTITY, new Vector3(1, 2, 3)),
    new AABB(new Vector3(0, 0, 0), new Vector3(1, 1, 1)),
  ]),
];

Deno.test("variant: every truncation of a valid encoding is rejected without throwing", () => {
  let checked = 0;
  for (const sample of SAMPLES) {
    for (let length = 0; length < sample.length; length++) {
      const result = decodeVariant(sample.subarray(0, length));
      assert.equal(result.ok, false, `prefix ${length} of ${hex(sample)}`);
      checked++;
    }
  }
  assert.ok(checked > 1000);
});

Deno.test("variant: random and mutated bytes never throw; what decodes re-encodes stably", () => {
  // A fixed number of small inputs keeps this bounded (about 0.3 s on a 2-core machine).
  const random = new SeededRandom(0x60d07);
  const scratch = new Uint8Array(64);
  let decodedOk = 0;
  const runs = 300_000;
  for (let run = 0; run < runs; run++) {
    let input: Uint8Array;
    if (run % 3 === 0) {
      // Pure noise with a plausible type id in the first byte.
      const length = random.nextU32() % 64;
      input = random.fill(scratch.subarray(0, length));
      if (length > 0) input[0] = random.nextU32() % 30;
      if (length > 2) input[1] = input[2] = 0;
    } else {
      // A valid sample with a few bytes changed, and sometimes cut short.
      const sample = SAMPLES[random.nextU32() % SAMPLES.length];
      input = sample.slice(
        0,
        sample.length - (random.nextU32() % 4 === 0 ? random.nextU32() % 8 : 0),
      );
      const flips = 1 + (random.nextU32() % 3);
      for (let i = 0; i < flips && input.length > 0; i++) {
        input[random.nextU32() % input.length] = random.nextU32() & 0xff;
      }
    }
    const result = decodeVariant(input);
    if (result.ok) {
      decodedOk++;
      assert.ok(result.bytesRead <= input.length);
      if (run % 16 === 0) {
        const canonical = encodeVariant(result.value);
        assert.equal(hex(encodeVariant(decodeOk(canonical))), hex(canonical));
      }
    } else {
      assert.equal(typeof result.error, "string");
    }
  }
  assert.ok(decodedOk > 1000, `only ${decodedOk} inputs decoded`);
});

/** A random encodable value of every kind, nested up to `depth` containers. */
function randomValue(random: SeededRandom, depth: number): unknown {
  const pick = random.nextU32() % (depth > 0 ? 24 : 20);
  const n = () => (random.next() - 0.5) * 2 ** (random.nextU32() % 60);
  const small = () => random.nextU32() % 5;
  const text = () =>
    ["", "a", "h\u00e9", "\u{1F600}x", "abcd", "__proto__", "7"][random.nextU32() % 7];
  switch (pick) {
    case 0:
      return null;
    case 1:
      return random.nextU32() % 2 === 0;
    case 2:
      return (random.nextU32() | 0) >> (random.nextU32() % 32);
    case 3:
      return BigInt.asIntN(64, BigInt(random.nextU32()) << BigInt(random.nextU32() % 64));
    case 4:
      return [n(), NaN, -0, Infinity, 0.1][random.nextU32() % 5];
    case 5:
      return new GodotFloat(Math.round(n()), random.nextU32() % 2 === 0 ? 32 : 64);
    case 6:
      return text();
    case 7:
      return new Vector2(n(), n());
    case 8:
      return new Rect2(new Vector2(n(), n()), new Vector2(n(), n()));
    case 9:
      return new Transform(
        new Basis(new Vector3(n(), 1, 2), new Vector3(3, n(), 4), new Vector3(5, 6, n())),
        new Vector3(n(), 0, 1),
      );
    case 10:
      return new Quat(n(), n(), n(), n());
    case 11:
      return new Color(n(), n(), n(), n());
    case 12:
      return NodePath.fromParts(
        Array.from({ length: small() }, text),
        Array.from({ length: small() }, text),
        random.nextU32() % 2 === 0,
      );
    case 13:
      return new RID();
    case 14:
      return random.fill(new Uint8Array(random.nextU32() % 9));
    case 15:
      return Int32Array.from({ length: small() }, () => random.nextU32() | 0);
    case 16:
      return Float32Array.from({ length: small() }, n);
    case 17:
      return new PoolStringArray(Array.from({ length: small() }, text));
    case 18:
      return new PoolColorArray(Float32Array.from({ length: small() * 4 }, n));
    case 19:
      return new PoolVector3Array(Float32Array.from({ length: small() * 3 }, n));
    case 20:
    case 21:
      return Array.from({ length: small() }, () => randomValue(random, depth - 1));
    case 22: {
      const record: Record<string, unknown> = {};
      for (let i = small(); i > 0; i--) {
        Object.defineProperty(record, text() + i, {
          value: randomValue(random, depth - 1),
          enumerable: true,
        });
      }
      return record;
    }
    default: {
      const map = new Map<unknown, unknown>();
      for (let i = small(); i > 0; i--) {
        map.set(randomValue(random, 0), randomValue(random, depth - 1));
      }
      return map;
    }
  }
}

Deno.test("variant: random values of every kind re-encode byte-identically after decoding", () => {
  const random = new SeededRandom(0x5eed);
  let compared = 0;
  for (let run = 0; run < 20_000; run++) {
    const bytes = encodeVariant(randomValue(random, 4));
    const result = decodeVariant(bytes);
    if (!result.ok) {
      // Only a Map that happened to draw equal primitive keys twice may be refused.
      assert.match(result.error, /repeats the key/);
      continue;
    }
    assert.equal(result.bytesRead, bytes.length);
    assert.equal(hex(encodeVariant(result.value)), hex(bytes));
    compared++;
  }
  assert.ok(compared > 19_000, `only ${compared} values compared`);
});
