/** Walks a JS value and writes its Godot 3.2 Variant encoding. */

import { MultiplayerError } from "../errors.ts";
import { VariantType, variantTypeName } from "./variant_type_ids.ts";
import type { VariantLimits } from "./variant_limits.ts";
import { autoFloatWidth, GodotFloat } from "./variant_float.ts";
import {
  AABB,
  Basis,
  Color,
  Plane,
  Quat,
  Rect2,
  Transform,
  Transform2D,
  Vector2,
  Vector3,
} from "./variant_math.ts";
import { NodePath } from "./variant_node_path.ts";
import {
  PoolColorArray,
  PoolStringArray,
  PoolVector2Array,
  PoolVector3Array,
} from "./variant_pools.ts";
import { RID } from "./variant_rid.ts";
import type { VariantWriter } from "./_variant_writer.ts";

/** Header flag: INT / REAL payload is 8 bytes. */
const FLAG_64 = 1 << 16;
const INT32_MIN = -0x80000000;
const INT32_MAX = 0x7fffffff;
const INT64_MIN_NUMBER = -(2 ** 63);
const INT64_LIMIT_NUMBER = 2 ** 63;
const INT32_MIN_BIG = -(1n << 31n);
const INT32_MAX_BIG = (1n << 31n) - 1n;
const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;
/** Godot writes counts and lengths as signed 32-bit values. */
const MAX_COUNT = 0x7fffffff;

/** Encodes one value tree; create one per call (it holds the walk's state). */
export class VariantEncoder {
  readonly #writer: VariantWriter;
  readonly #limits: Readonly<VariantLimits>;
  #items = 0;
  /** Containers on the current path, to tell a cycle from a shared subtree. */
  readonly #ancestors: object[] = [];
  /**
   * Steps to the value being written, formatted only for an error message: an index >= 0 is an
   * array / pool position, a string an object key, -1 - 2n / -2 - 2n the key / value of Map
   * entry n, and a PathLabel is printed as it is.
   */
  readonly #path: (number | string | PathLabel)[] = [];

  constructor(writer: VariantWriter, limits: Readonly<VariantLimits>) {
    this.#writer = writer;
    this.#limits = limits;
  }

  encode(value: unknown): void {
    this.#value(value, 0);
  }

  #fail(reason: string): never {
    const where = this.#path.map(formatStep).join("");
    throw new MultiplayerError("INVALID_ARGUMENT", `encodeVariant: value${where} ${reason}`);
  }

  #value(value: unknown, depth: number): void {
    const w = this.#writer;
    switch (typeof value) {
      case "undefined":
        return w.u32(VariantType.NIL);
      case "boolean":
        w.u32(VariantType.BOOL);
        return w.u32(value ? 1 : 0);
      case "number":
        return this.#number(value);
      case "bigint":
        if (value < INT64_MIN || value > INT64_MAX) {
          this.#fail(`is a bigint outside int64 (${value})`);
        }
        // Same width rule as numbers (and Godot): 4 bytes when it fits, so that a decoded
        // value, which is a number there, re-encodes to the same bytes.
        if (value >= INT32_MIN_BIG && value <= INT32_MAX_BIG) {
          w.u32(VariantType.INT);
          return w.i32(Number(value));
        }
        w.u32(VariantType.INT | FLAG_64);
        return w.i64(value);
      case "string":
        w.u32(VariantType.STRING);
        return this.#string(value, 0);
      case "object":
        if (value === null) return w.u32(VariantType.NIL);
        return this.#object(value, depth);
      case "function":
        return this.#fail("is a function, which has no Variant encoding");
      case "symbol":
        return this.#fail("is a symbol, which has no Variant encoding");
    }
  }

  #number(value: number): void {
    const w = this.#writer;
    if (Number.isInteger(value) && !Object.is(value, -0)) {
      if (value >= INT32_MIN && value <= INT32_MAX) {
        w.u32(VariantType.INT);
        return w.i32(value);
      }
      if (value < INT64_MIN_NUMBER || value >= INT64_LIMIT_NUMBER) {
        this.#fail(`is an integer outside int64 (${value}); wrap it in GodotFloat to send a REAL`);
      }
      w.u32(VariantType.INT | FLAG_64);
      return w.i64FromNumber(value);
    }
    this.#real(value, autoFloatWidth(value));
  }

  #real(value: number, width: 32 | 64): void {
    const w = this.#writer;
    if (width === 32) {
      w.u32(VariantType.REAL);
      return w.f32(value);
    }
    w.u32(VariantType.REAL | FLAG_64);
    w.f64(value);
  }

  /** Writes a Godot string payload (length, UTF-8, padding); `extraZeros` adds a NUL. */
  #string(value: string, extraZeros: 0 | 1): void {
    if (!value.isWellFormed()) this.#fail("is a string with a lone UTF-16 surrogate");
    if (value.includes("\0")) {
      this.#fail("is a string containing NUL, which Godot strings cannot hold");
    }
    this.#writer.utf8(value, extraZeros);
  }

  #object(value: object, depth: number): void {
    if (Array.isArray(value)) return this.#array(value, depth);
    if (value instanceof Uint8Array) return this.#bytes(value);
    if (value instanceof GodotFloat) return this.#godotFloat(value);
    if (value instanceof Vector2) return this.#math(VariantType.VECTOR2, value, 2, vector2At);
    if (value instanceof Vector3) return this.#math(VariantType.VECTOR3, value, 3, vector3At);
    if (value instanceof Map) return this.#map(value, depth);
    const prototype = Object.getPrototypeOf(value);
    if (prototype === Object.prototype || prototype === null) return this.#record(value, depth);
    if (value instanceof Int32Array) return this.#ints(value);
    if (value instanceof Float32Array) return this.#reals(value);
    if (value instanceof Color) return this.#math(VariantType.COLOR, value, 4, colorAt);
    if (value instanceof Quat) return this.#math(VariantType.QUAT, value, 4, quatAt);
    if (value instanceof Rect2) return this.#math(VariantType.RECT2, value, 4, rect2At);
    if (value instanceof Transform2D) {
      return this.#math(VariantType.TRANSFORM2D, value, 6, transform2DAt);
    }
    if (value instanceof Plane) return this.#math(VariantType.PLANE, value, 4, planeAt);
    if (value instanceof AABB) return this.#math(VariantType.AABB, value, 6, aabbAt);
    if (value instanceof Basis) return this.#math(VariantType.BASIS, value, 9, basisAt);
    if (value instanceof Transform) {
      return this.#math(VariantType.TRANSFORM, value, 12, transformAt);
    }
    if (value instanceof NodePath) return this.#nodePath(value);
    if (value instanceof PoolStringArray) return this.#strings(value);
    if (value instanceof PoolVector2Array) {
      return this.#packed(VariantType.POOL_VECTOR2_ARRAY, value.data, 2);
    }
    if (value instanceof PoolVector3Array) {
      return this.#packed(VariantType.POOL_VECTOR3_ARRAY, value.data, 3);
    }
    if (value instanceof PoolColorArray) {
      return this.#packed(VariantType.POOL_COLOR_ARRAY, value.data, 4);
    }
    if (value instanceof RID) return this.#writer.u32(VariantType.RID);
    this.#fail(`is ${describeObject(value)}, which has no Variant encoding`);
  }

  #godotFloat(value: GodotFloat): void {
    if (typeof value.value !== "number") this.#fail("is a GodotFloat without a number");
    this.#real(value.value, value.width === 32 ? 32 : 64);
  }

  /** Writes a math type: header, then `count` f32 components read through `component`. */
  #math<T>(type: number, value: T, count: number, component: (v: T, i: number) => unknown): void {
    const w = this.#writer;
    w.reserve(4 + count * 4);
    w.u32(type);
    for (let i = 0; i < count; i++) {
      const c = component(value, i);
      if (typeof c !== "number") {
        this.#fail(`is a malformed ${variantTypeName(type)}: component ${i} is not a number`);
      }
      w.f32(c);
    }
  }

  #count(length: number, what: string): void {
    if (length > MAX_COUNT) this.#fail(`has more ${what} than Godot can count (${length})`);
    if (this.#items + length > this.#limits.maxItems) {
      this.#fail(`brings the element count over maxItems (${this.#limits.maxItems})`);
    }
    this.#items += length;
  }

  #enter(value: object, depth: number): void {
    if (this.#ancestors.includes(value)) this.#fail("is a cycle: it contains itself");
    if (depth + 1 > this.#limits.maxDepth) {
      this.#fail(`nests deeper than maxDepth (${this.#limits.maxDepth})`);
    }
    this.#ancestors.push(value);
  }

  #array(value: readonly unknown[], depth: number): void {
    this.#enter(value, depth);
    this.#count(value.length, "elements");
    const w = this.#writer;
    w.u32(VariantType.ARRAY);
    w.u32(value.length);
    for (let i = 0; i < value.length; i++) {
      this.#path.push(i);
      this.#value(value[i], depth + 1);
      this.#path.pop();
    }
    this.#ancestors.pop();
  }

  #record(value: object, depth: number): void {
    this.#enter(value, depth);
    if (Object.getOwnPropertySymbols(value).length > 0) {
      this.#fail("is a plain object with symbol keys, which a Dictionary cannot hold");
    }
    const keys = Object.keys(value);
    this.#count(keys.length, "entries");
    const w = this.#writer;
    w.u32(VariantType.DICTIONARY);
    w.u32(keys.length);
    const record = value as Record<string, unknown>;
    for (const key of keys) {
      this.#path.push(key);
      w.u32(VariantType.STRING);
      this.#string(key, 0);
      this.#value(record[key], depth + 1);
      this.#path.pop();
    }
    this.#ancestors.pop();
  }

  #map(value: ReadonlyMap<unknown, unknown>, depth: number): void {
    this.#enter(value, depth);
    this.#count(value.size, "entries");
    const w = this.#writer;
    w.u32(VariantType.DICTIONARY);
    w.u32(value.size);
    let index = 0;
    for (const [key, item] of value) {
      this.#path.push(-1 - 2 * index);
      this.#value(key, depth + 1);
      this.#path[this.#path.length - 1] = -2 - 2 * index;
      this.#value(item, depth + 1);
      this.#path.pop();
      index++;
    }
    this.#ancestors.pop();
  }

  #bytes(value: Uint8Array): void {
    if (value.length > MAX_COUNT) {
      this.#fail(`is a Uint8Array too long for Godot (${value.length})`);
    }
    const w = this.#writer;
    w.u32(VariantType.POOL_BYTE_ARRAY);
    w.u32(value.length);
    w.paddedBytes(value);
  }

  #ints(value: Int32Array): void {
    if (value.length > MAX_COUNT / 4) {
      this.#fail(`is an Int32Array too long for Godot (${value.length})`);
    }
    const w = this.#writer;
    w.reserve(8 + value.length * 4);
    w.u32(VariantType.POOL_INT_ARRAY);
    w.u32(value.length);
    w.words(value);
  }

  #reals(value: Float32Array): void {
    this.#packed(VariantType.POOL_REAL_ARRAY, value, 1);
  }

  /** Writes a pool of f32 components as `count` items of `stride` components each. */
  #packed(type: number, data: Float32Array, stride: number): void {
    if (!(data instanceof Float32Array) || data.length % stride !== 0) {
      this.#fail(
        `is a malformed pool: its data must be a Float32Array of ${stride}-component items`,
      );
    }
    const count = data.length / stride;
    if (data.length > MAX_COUNT / 4) this.#fail(`is a pool too long for Godot (${count} items)`);
    const w = this.#writer;
    w.reserve(8 + data.length * 4);
    w.u32(type);
    w.u32(count);
    w.words(data);
  }

  #strings(value: PoolStringArray): void {
    const values = value.values;
    if (!Array.isArray(values)) this.#fail("is a malformed PoolStringArray");
    this.#count(values.length, "strings");
    const w = this.#writer;
    w.u32(VariantType.POOL_STRING_ARRAY);
    w.u32(values.length);
    for (let i = 0; i < values.length; i++) {
      this.#path.push(i);
      if (typeof values[i] !== "string") this.#fail("is not a string");
      // Pool strings carry their terminating NUL inside the length, unlike STRING.
      this.#string(values[i], 1);
      this.#path.pop();
    }
  }

  #nodePath(value: NodePath): void {
    const { names, subnames } = value;
    if (!Array.isArray(names) || !Array.isArray(subnames)) this.#fail("is a malformed NodePath");
    this.#count(names.length + subnames.length, "path parts");
    const w = this.#writer;
    w.u32(VariantType.NODE_PATH);
    // Bit 31 marks the current NodePath layout (name count, subname count, flags).
    w.u32((names.length | 0x80000000) >>> 0);
    w.u32(subnames.length);
    w.u32(value.absolute ? 1 : 0);
    const total = names.length + subnames.length;
    for (let i = 0; i < total; i++) {
      const part = i < names.length ? names[i] : subnames[i - names.length];
      const label = i < names.length ? `.names[${i}]` : `.subnames[${i - names.length}]`;
      this.#path.push(new PathLabel(label));
      if (typeof part !== "string") this.#fail("is not a string");
      this.#string(part, 0);
      this.#path.pop();
    }
  }
}

// Component accessors in wire order; `?.` keeps a malformed wrapper from throwing a TypeError.
function vector2At(v: Vector2, i: number): unknown {
  return i === 0 ? v?.x : v?.y;
}

function vector3At(v: Vector3, i: number): unknown {
  return i === 0 ? v?.x : i === 1 ? v?.y : v?.z;
}

function colorAt(c: Color, i: number): unknown {
  return i === 0 ? c.r : i === 1 ? c.g : i === 2 ? c.b : c.a;
}

function quatAt(q: Quat, i: number): unknown {
  return i === 0 ? q.x : i === 1 ? q.y : i === 2 ? q.z : q.w;
}

function rect2At(r: Rect2, i: number): unknown {
  return vector2At(i < 2 ? r.position : r.size, i & 1);
}

function transform2DAt(t: Transform2D, i: number): unknown {
  return vector2At(i < 2 ? t.x : i < 4 ? t.y : t.origin, i & 1);
}

function planeAt(p: Plane, i: number): unknown {
  return i < 3 ? vector3At(p.normal, i) : p.d;
}

function aabbAt(b: AABB, i: number): unknown {
  return vector3At(i < 3 ? b.position : b.size, i % 3);
}

/** A Basis is sent row by row (row r holds component r of each axis); its axes are the columns. */
function basisAt(b: Basis, i: number): unknown {
  const axis = i % 3;
  return vector3At(axis === 0 ? b?.x : axis === 1 ? b?.y : b?.z, (i / 3) | 0);
}

function transformAt(t: Transform, i: number): unknown {
  return i < 9 ? basisAt(t.basis, i) : vector3At(t.origin, i - 9);
}

/** A path step printed verbatim (for the rare values whose steps are not indices or keys). */
class PathLabel {
  constructor(readonly text: string) {}
}

function formatStep(step: number | string | PathLabel): string {
  if (step instanceof PathLabel) return step.text;
  if (typeof step === "string") {
    return /^[A-Za-z_$][\w$]*$/.test(step) ? `.${step}` : `[${JSON.stringify(step)}]`;
  }
  if (step >= 0) return `[${step}]`;
  const entry = Math.floor((-1 - step) / 2);
  return (-1 - step) % 2 === 0 ? `<key #${entry}>` : `<value of key #${entry}>`;
}

function describeObject(value: object): string {
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === "string" && name !== ""
    ? `an instance of ${name}`
    : "an object with a custom prototype";
}
