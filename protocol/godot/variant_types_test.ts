import assert from "node:assert/strict";
import { MultiplayerError } from "../errors.ts";
import {
  autoFloatWidth,
  Basis,
  Color,
  GodotFloat,
  NodePath,
  PoolColorArray,
  PoolStringArray,
  PoolVector2Array,
  PoolVector3Array,
  Transform,
  Transform2D,
  Vector2,
  Vector3,
} from "./variant_types.ts";

function assertInvalid(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof MultiplayerError && e.code === "INVALID_ARGUMENT", String(e));
    assert.match(e.message, pattern);
    return true;
  });
}

Deno.test("NodePath: parses text the way Godot does", () => {
  const cases: [string, string[], string[], boolean, string][] = [
    ["", [], [], false, ""],
    ["/", [], [], true, "/"],
    ["a", ["a"], [], false, "a"],
    ["/root/Main/Player", ["root", "Main", "Player"], [], true, "/root/Main/Player"],
    ["../Sibling", ["..", "Sibling"], [], false, "../Sibling"],
    ["a//b/", ["a", "b"], [], false, "a/b"],
    ["Sprite:position:x", ["Sprite"], ["position", "x"], false, "Sprite:position:x"],
    [":modulate", [], ["modulate"], false, ":modulate"],
    ["/:a", [], ["a"], true, "/:a"],
    ["a:b:", ["a"], ["b"], false, "a:b"],
    ["a:", ["a"], [], false, "a"],
    ["a/b:c/d", ["a", "b"], ["c/d"], false, "a/b:c/d"],
  ];
  for (const [text, names, subnames, absolute, printed] of cases) {
    const path = new NodePath(text);
    assert.deepStrictEqual(path.names, names, text);
    assert.deepStrictEqual(path.subnames, subnames, text);
    assert.equal(path.absolute, absolute, text);
    assert.equal(path.toString(), printed, text);
  }
  assert.equal(new NodePath("").isEmpty, true);
  assert.equal(new NodePath("/").isEmpty, true);
  assert.equal(new NodePath(":x").isEmpty, false);
  assertInvalid(() => new NodePath("a::b"), /empty subname/);
  assertInvalid(() => new NodePath("a::"), /empty subname/);
  assertInvalid(() => new NodePath(3 as unknown as string), /needs a string/);
});

Deno.test("NodePath: fromParts copies and freezes its parts", () => {
  const names = ["a", "b"];
  const path = NodePath.fromParts(names, ["c"], true);
  names.push("x");
  assert.deepStrictEqual(path.names, ["a", "b"]);
  assert.ok(Object.isFrozen(path.names) && Object.isFrozen(path.subnames));
  assert.equal(String(path), "/a/b:c");
  assert.deepStrictEqual(path, new NodePath("/a/b:c"));
});

Deno.test("GodotFloat: width follows Godot's rule unless forced", () => {
  assert.equal(autoFloatWidth(1), 32);
  assert.equal(autoFloatWidth(0.1), 64);
  assert.equal(autoFloatWidth(NaN), 64);
  assert.equal(autoFloatWidth(-Infinity), 32);
  assert.equal(autoFloatWidth(2 ** 30 + 1), 64);
  assert.equal(new GodotFloat(3).width, 32);
  assert.equal(new GodotFloat(0.1).width, 64);
  const forced = new GodotFloat(0.1, 32);
  assert.equal(forced.value, Math.fround(0.1));
  assert.equal(new GodotFloat(2, 64).value, 2);
  assert.equal(+new GodotFloat(2.5) * 2, 5);
  assertInvalid(() => new GodotFloat("1" as unknown as number), /needs a number/);
  assertInvalid(() => new GodotFloat(1, 16 as unknown as 32), /32 or 64/);
});

Deno.test("pools: packing, indexing and the component arrays", () => {
  const v2 = new PoolVector2Array([new Vector2(1, 2), new Vector2(3, 4)]);
  assert.equal(v2.length, 2);
  assert.deepStrictEqual(v2.at(0), new Vector2(1, 2));
  assert.deepStrictEqual(v2.at(-1), new Vector2(3, 4));
  assert.equal(v2.at(2), undefined);
  assert.equal(v2.at(-3), undefined);
  assert.deepStrictEqual(v2.toArray(), [new Vector2(1, 2), new Vector2(3, 4)]);
  const components = new Float32Array([1, 2, 3, 4, 5, 6]);
  const v3 = new PoolVector3Array(components);
  assert.equal(v3.data, components, "a Float32Array is used as is");
  assert.deepStrictEqual(v3.at(1), new Vector3(4, 5, 6));
  const colors = new PoolColorArray([new Color(1, 0, 0), new Color(0, 1, 0, 0.5)]);
  assert.deepStrictEqual(colors.data, new Float32Array([1, 0, 0, 1, 0, 1, 0, 0.5]));
  assert.deepStrictEqual(colors.toArray()[1], new Color(0, 1, 0, 0.5));
  assert.equal(new PoolColorArray().length, 0);
  assertInvalid(() => new PoolVector2Array(new Float32Array(3)), /multiple of 2 components/);
  assertInvalid(() => new PoolColorArray("x" as unknown as Color[]), /array or a Float32Array/);
  const strings = new PoolStringArray(new Set(["a", "b"]));
  assert.deepStrictEqual([...strings], ["a", "b"]);
  assert.equal(strings.length, 2);
  assert.ok(Object.isFrozen(strings.values));
  assertInvalid(() => new PoolStringArray([1 as unknown as string]), /holds strings/);
});

Deno.test("math types: constructors keep what they are given; identities", () => {
  const t = new Transform2D(new Vector2(1, 2), new Vector2(3, 4), new Vector2(5, 6));
  assert.equal(t.y.x, 3);
  assert.deepStrictEqual(Transform2D.IDENTITY.x, new Vector2(1, 0));
  assert.deepStrictEqual(Basis.IDENTITY.z, new Vector3(0, 0, 1));
  assert.deepStrictEqual(Transform.IDENTITY.origin, new Vector3(0, 0, 0));
  assert.equal(new Color(0.1, 0.2, 0.3).a, 1);
  assert.equal(new Vector2(0.1, 0).x, 0.1, "no rounding before encoding");
});
