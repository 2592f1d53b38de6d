/** Reads one Godot 3.2 Variant from untrusted bytes; every failure becomes a message, never a throw. */

import { VARIANT_TYPE_COUNT, VariantType, variantTypeName } from "./variant_type_ids.ts";
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
import { decodeStrictUtf8 } from "./_variant_text.ts";

const FLAG_64 = 1 << 16;
const TYPE_MASK = 0xff;
/** Bit 31 of an ARRAY / DICTIONARY count: Godot's old "shared" marker, ignored when read. */
const SHARED_BIT = 0x80000000;
/** Bit 31 of a NODE_PATH's first word: set for the current layout, clear for the retired one. */
const NODE_PATH_NEW_FORMAT = 0x80000000;
const NODE_PATH_ABSOLUTE = 1;
/** Retired NodePath flag: one extra subname follows (an old separate property name). */
const NODE_PATH_OLD_PROPERTY = 2;

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Returned by the readers instead of a value once `error` is set. */
export const FAILED: unique symbol = Symbol("variant decode failed");
type Decoded = unknown | typeof FAILED;

/** Decodes one value tree; create one per call (it holds the walk's state). */
export class VariantDecoder {
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  readonly #limits: Readonly<VariantLimits>;
  /** End of what may be read: the input's end, or `maxBytes` from the start if sooner. */
  readonly #end: number;
  offset = 0;
  error = "";
  #items = 0;
  /** Reused for every `__proto__`-safe property definition. */
  readonly #descriptor: PropertyDescriptor = {
    value: undefined,
    writable: true,
    enumerable: true,
    configurable: true,
  };

  constructor(bytes: Uint8Array, limits: Readonly<VariantLimits>) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#limits = limits;
    this.#end = Math.min(bytes.length, limits.maxBytes);
  }

  decode(): Decoded {
    return this.#value(0, false);
  }

  #fail(message: string): typeof FAILED {
    if (this.error === "") this.error = message;
    return FAILED;
  }

  /** Checks `n` more bytes can be read; otherwise records why not. */
  #need(n: number, what: string): boolean {
    const remaining = this.#end - this.offset;
    if (n <= remaining) return true;
    const cause = this.#end < this.#bytes.length
      ? `the variant would exceed maxBytes (${this.#limits.maxBytes})`
      : "truncated";
    this.#fail(`${cause}: ${what} at byte ${this.offset} needs ${n} bytes, ${remaining} remain`);
    return false;
  }

  #u32(): number {
    const value = this.#view.getUint32(this.offset, true);
    this.offset += 4;
    return value;
  }

  #f32(): number {
    const value = this.#view.getFloat32(this.offset, true);
    this.offset += 4;
    return value;
  }

  /** Reads a u32 count and checks the item budget and that `minBytesEach` bytes each can remain. */
  #count(what: string, minBytesEach: number, countsAsItems: boolean, mask = 0xffffffff): number {
    if (!this.#need(4, `${what} count`)) return -1;
    const at = this.offset;
    const raw = this.#u32();
    const count = (raw & mask) >>> 0;
    if (count > 0x7fffffff) {
      this.#fail(`${what} at byte ${at} has a negative count`);
      return -1;
    }
    if (countsAsItems && count > this.#limits.maxItems - this.#items) {
      this.#fail(
        `${what} at byte ${at} has ${count} items: more than maxItems (${this.#limits.maxItems}) in total`,
      );
      return -1;
    }
    if (!this.#need(count * minBytesEach, `${what} of ${count} items`)) return -1;
    if (countsAsItems) this.#items += count;
    return count;
  }

  #value(depth: number, isKey: boolean): Decoded {
    if (!this.#need(4, "variant header")) return FAILED;
    const at = this.offset;
    const header = this.#u32();
    const type = header & TYPE_MASK;
    const flags = (header & ~TYPE_MASK) >>> 0;
    if (type >= VARIANT_TYPE_COUNT) {
      return this.#fail(`unknown Variant type id ${type} at byte ${at}`);
    }
    if (type === VariantType.OBJECT) {
      return this.#fail(`OBJECT at byte ${at}: objects are never decoded`);
    }
    const wide = flags === FLAG_64 && (type === VariantType.INT || type === VariantType.REAL);
    if (flags !== 0 && !wide) {
      return this.#fail(
        `${variantTypeName(type)} header at byte ${at} has unknown flags 0x${flags.toString(16)}`,
      );
    }
    switch (type) {
      case VariantType.NIL:
        return null;
      case VariantType.BOOL:
        return this.#bool();
      case VariantType.INT:
        return wide ? this.#int64() : this.#int32();
      case VariantType.REAL:
        return this.#real(wide, isKey);
      case VariantType.STRING:
        return this.#string("STRING", false);
      case VariantType.VECTOR2:
        return this.#need(8, "VECTOR2") ? this.#vector2() : FAILED;
      case VariantType.RECT2:
        return this.#need(16, "RECT2") ? new Rect2(this.#vector2(), this.#vector2()) : FAILED;
      case VariantType.VECTOR3:
        return this.#need(12, "VECTOR3") ? this.#vector3() : FAILED;
      case VariantType.TRANSFORM2D:
        return this.#need(24, "TRANSFORM2D")
          ? new Transform2D(this.#vector2(), this.#vector2(), this.#vector2())
          : FAILED;
      case VariantType.PLANE:
        return this.#need(16, "PLANE") ? new Plane(this.#vector3(), this.#f32()) : FAILED;
      case VariantType.QUAT:
        return this.#need(16, "QUAT")
          ? new Quat(this.#f32(), this.#f32(), this.#f32(), this.#f32())
          : FAILED;
      case VariantType.AABB:
        return this.#need(24, "AABB") ? new AABB(this.#vector3(), this.#vector3()) : FAILED;
      case VariantType.BASIS:
        return this.#need(36, "BASIS") ? this.#basis() : FAILED;
      case VariantType.TRANSFORM:
        return this.#need(48, "TRANSFORM") ? new Transform(this.#basis(), this.#vector3()) : FAILED;
      case VariantType.COLOR:
        return this.#need(16, "COLOR") ? this.#color() : FAILED;
      case VariantType.NODE_PATH:
        return this.#nodePath();
      case VariantType.RID:
        return new RID();
      case VariantType.DICTIONARY:
        return this.#dictionary(depth);
      case VariantType.ARRAY:
        return this.#array(depth);
      case VariantType.POOL_BYTE_ARRAY:
        return this.#byteArray();
      case VariantType.POOL_INT_ARRAY:
        return this.#intArray();
      case VariantType.POOL_REAL_ARRAY: {
        const count = this.#count("POOL_REAL_ARRAY", 4, false);
        return count < 0 ? FAILED : this.#floats(count);
      }
      case VariantType.POOL_STRING_ARRAY:
        return this.#stringArray();
      case VariantType.POOL_VECTOR2_ARRAY: {
        const count = this.#count("POOL_VECTOR2_ARRAY", 8, false);
        return count < 0 ? FAILED : new PoolVector2Array(this.#floats(count * 2));
      }
      case VariantType.POOL_VECTOR3_ARRAY: {
        const count = this.#count("POOL_VECTOR3_ARRAY", 12, false);
        return count < 0 ? FAILED : new PoolVector3Array(this.#floats(count * 3));
      }
      case VariantType.POOL_COLOR_ARRAY: {
        const count = this.#count("POOL_COLOR_ARRAY", 16, false);
        return count < 0 ? FAILED : new PoolColorArray(this.#floats(count * 4));
      }
    }
    return this.#fail(`unhandled Variant type ${type}`);
  }

  #bool(): Decoded {
    if (!this.#need(4, "BOOL")) return FAILED;
    const at = this.offset;
    const value = this.#u32();
    // Godot only ever writes 0 or 1; anything else is not an encoding it produces.
    if (value > 1) return this.#fail(`BOOL at byte ${at} is ${value}, not 0 or 1`);
    return value === 1;
  }

  #int32(): Decoded {
    if (!this.#need(4, "INT")) return FAILED;
    const value = this.#view.getInt32(this.offset, true);
    this.offset += 4;
    return value;
  }

  #int64(): Decoded {
    if (!this.#need(8, "64-bit INT")) return FAILED;
    const low = this.#view.getUint32(this.offset, true);
    const high = this.#view.getInt32(this.offset + 4, true);
    // Within ±2^53 the two halves combine exactly; beyond that a bigint keeps every bit.
    const value = high * 4294967296 + low;
    const result = Number.isSafeInteger(value) && high >= -0x200000 && high < 0x200000
      ? value
      : this.#view.getBigInt64(this.offset, true);
    this.offset += 8;
    return result;
  }

  #real(wide: boolean, isKey: boolean): Decoded {
    if (!this.#need(wide ? 8 : 4, "REAL")) return FAILED;
    const width = wide ? 64 : 32;
    const value = wide
      ? this.#view.getFloat64(this.offset, true)
      : this.#view.getFloat32(this.offset, true);
    this.offset += wide ? 8 : 4;
    // A plain number is returned only when encoding it again gives these exact bytes: whole
    // numbers would become INT, and the width must match the automatic choice. Map keys
    // also wrap -0, which a Map would merge with 0.
    const minusZero = Object.is(value, -0);
    const wouldBeInt = Number.isInteger(value) && !minusZero;
    if (wouldBeInt || autoFloatWidth(value) !== width || (isKey && minusZero)) {
      return new GodotFloat(value, width);
    }
    return value;
  }

  /** Reads a `u32 length, UTF-8, padding` string; `terminated` expects Godot's pool-string NUL. */
  #string(what: string, terminated: boolean): string | typeof FAILED {
    if (!this.#need(4, `${what} length`)) return FAILED;
    const at = this.offset;
    const length = this.#u32();
    if (length > 0x7fffffff) return this.#fail(`${what} at byte ${at} has a negative length`);
    const padded = length + ((4 - (length & 3)) & 3);
    if (!this.#need(padded, `${what} of ${length} bytes`)) return FAILED;
    const start = this.offset;
    let textEnd = start + length;
    if (terminated) {
      if (length === 0 || this.#bytes[textEnd - 1] !== 0) {
        return this.#fail(`${what} at byte ${at} lacks its terminating NUL`);
      }
      textEnd--;
    }
    const text = decodeStrictUtf8(this.#bytes.subarray(start, textEnd));
    if (text === undefined) {
      return this.#fail(`${what} at byte ${at} is not valid UTF-8 or contains a NUL byte`);
    }
    // Padding content is not checked: Godot leaves a NodePath's padding uninitialised.
    this.offset = start + padded;
    return text;
  }

  #vector2(): Vector2 {
    return new Vector2(this.#f32(), this.#f32());
  }

  #vector3(): Vector3 {
    return new Vector3(this.#f32(), this.#f32(), this.#f32());
  }

  #color(): Color {
    return new Color(this.#f32(), this.#f32(), this.#f32(), this.#f32());
  }

  /** Rows on the wire; the wrapper holds columns. */
  #basis(): Basis {
    const m = [0, 0, 0, 0, 0, 0, 0, 0, 0];
    for (let i = 0; i < 9; i++) m[i] = this.#f32();
    return new Basis(
      new Vector3(m[0], m[3], m[6]),
      new Vector3(m[1], m[4], m[7]),
      new Vector3(m[2], m[5], m[8]),
    );
  }

  #nodePath(): Decoded {
    if (!this.#need(4, "NODE_PATH")) return FAILED;
    const at = this.offset;
    const first = this.#u32();
    if ((first & NODE_PATH_NEW_FORMAT) === 0) {
      return this.#fail(`NODE_PATH at byte ${at} uses the retired layout, which Godot rejects too`);
    }
    if (!this.#need(8, "NODE_PATH counts")) return FAILED;
    const nameCount = first & 0x7fffffff;
    let subnameCount = this.#u32();
    const flags = this.#u32();
    if ((flags & ~(NODE_PATH_ABSOLUTE | NODE_PATH_OLD_PROPERTY)) !== 0) {
      return this.#fail(`NODE_PATH at byte ${at} has unknown flags 0x${flags.toString(16)}`);
    }
    if (flags & NODE_PATH_OLD_PROPERTY) subnameCount++;
    const total = nameCount + subnameCount;
    if (subnameCount > 0x7fffffff || total > this.#limits.maxItems - this.#items) {
      return this.#fail(`NODE_PATH at byte ${at} has ${total} parts: more than maxItems allows`);
    }
    if (!this.#need(total * 4, `NODE_PATH of ${total} parts`)) return FAILED;
    this.#items += total;
    const names: string[] = [];
    const subnames: string[] = [];
    for (let i = 0; i < total; i++) {
      const part = this.#string("NODE_PATH part", false);
      if (part === FAILED) return FAILED;
      (i < nameCount ? names : subnames).push(part);
    }
    return NodePath.fromParts(names, subnames, (flags & NODE_PATH_ABSOLUTE) !== 0);
  }

  #enter(depth: number, what: string): boolean {
    if (depth < this.#limits.maxDepth) return true;
    this.#fail(
      `${what} at byte ${this.offset - 4} nests deeper than maxDepth (${this.#limits.maxDepth})`,
    );
    return false;
  }

  #array(depth: number): Decoded {
    if (!this.#enter(depth, "ARRAY")) return FAILED;
    const count = this.#count("ARRAY", 4, true, ~SHARED_BIT);
    if (count < 0) return FAILED;
    const result: unknown[] = [];
    for (let i = 0; i < count; i++) {
      const item = this.#value(depth + 1, false);
      if (item === FAILED) return FAILED;
      result.push(item);
    }
    return result;
  }

  /**
   * Builds a plain object while every key is a string that is not an array index (index-like
   * keys would be reordered by JS and break byte-identical re-encoding); switches to a Map at
   * the first other key. Duplicate keys are rejected.
   */
  #dictionary(depth: number): Decoded {
    if (!this.#enter(depth, "DICTIONARY")) return FAILED;
    const count = this.#count("DICTIONARY", 8, true, ~SHARED_BIT);
    if (count < 0) return FAILED;
    let record: Record<string, unknown> | undefined = {};
    let map: Map<unknown, unknown> | undefined;
    for (let i = 0; i < count; i++) {
      const keyAt = this.offset;
      const key = this.#value(depth + 1, true);
      if (key === FAILED) return FAILED;
      const value = this.#value(depth + 1, false);
      if (value === FAILED) return FAILED;
      if (record !== undefined && typeof key === "string" && !isArrayIndex(key)) {
        if (Object.hasOwn(record, key)) {
          return this.#fail(`DICTIONARY repeats the key at byte ${keyAt}`);
        }
        if (key in Object.prototype) {
          // Assigning "__proto__" would change the prototype (and a frozen prototype would make
          // assigning "toString" throw); a definition always makes an ordinary own key.
          this.#descriptor.value = value;
          Object.defineProperty(record, key, this.#descriptor);
          this.#descriptor.value = undefined;
        } else {
          record[key] = value;
        }
        continue;
      }
      if (map === undefined) {
        map = new Map(Object.entries(record!));
        record = undefined;
      }
      if (map.has(key)) return this.#fail(`DICTIONARY repeats the key at byte ${keyAt}`);
      map.set(key, value);
    }
    return map ?? record;
  }

  #byteArray(): Decoded {
    const count = this.#count("POOL_BYTE_ARRAY", 1, false);
    if (count < 0) return FAILED;
    const padded = count + ((4 - (count & 3)) & 3);
    if (!this.#need(padded, `POOL_BYTE_ARRAY padding`)) return FAILED;
    const result = this.#bytes.slice(this.offset, this.offset + count);
    this.offset += padded;
    return result;
  }

  #intArray(): Decoded {
    const count = this.#count("POOL_INT_ARRAY", 4, false);
    if (count < 0) return FAILED;
    const result = new Int32Array(count);
    if (LITTLE_ENDIAN_HOST) {
      new Uint8Array(result.buffer).set(this.#bytes.subarray(this.offset, this.offset + count * 4));
      this.offset += count * 4;
    } else {
      for (let i = 0; i < count; i++) {
        result[i] = this.#view.getInt32(this.offset, true);
        this.offset += 4;
      }
    }
    return result;
  }

  /** Copies `n` f32 values (bounds already checked); byte copy keeps NaN payloads intact. */
  #floats(n: number): Float32Array {
    const result = new Float32Array(n);
    if (LITTLE_ENDIAN_HOST) {
      new Uint8Array(result.buffer).set(this.#bytes.subarray(this.offset, this.offset + n * 4));
      this.offset += n * 4;
    } else {
      for (let i = 0; i < n; i++) result[i] = this.#f32();
    }
    return result;
  }

  #stringArray(): Decoded {
    const count = this.#count("POOL_STRING_ARRAY", 8, true);
    if (count < 0) return FAILED;
    const strings: string[] = [];
    for (let i = 0; i < count; i++) {
      const text = this.#string("POOL_STRING_ARRAY string", true);
      if (text === FAILED) return FAILED;
      strings.push(text);
    }
    return new PoolStringArray(strings);
  }
}

/** Whether JS would treat `key` as an array index and move it to the front of an object. */
function isArrayIndex(key: string): boolean {
  const first = key.charCodeAt(0);
  if (key.length === 0 || key.length > 10 || first < 48 || first > 57) return false;
  if (first === 48) return key.length === 1;
  for (let i = 1; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return Number(key) < 4294967295;
}
