/**
 * Safe msgpack for values from the network (control payloads, `putVar`/`getVar`).
 *
 * msgpackr decodes extension types into class instances (Error, RegExp, Set, typed arrays,
 * records), so untrusted bytes are first checked by a strict, bounded scanner that rejects every
 * extension except `undefined`, limits nesting and container sizes, and checks each declared
 * length against the bytes that remain. Only then does msgpackr decode them.
 *
 * @module
 */
// Full specifiers on purpose: importing mod.ts by URL must work without an import map.
// deno-lint-ignore no-import-prefix
import { Packr } from "npm:msgpackr@1.11.5/pack";
// deno-lint-ignore no-import-prefix
import { Unpackr } from "npm:msgpackr@1.11.5/unpack";
import { MultiplayerError } from "../errors.ts";

/** Limits applied when decoding an untrusted value. */
export interface ValueLimits {
  /** Deepest array/map nesting (default 32). */
  readonly maxDepth: number;
  /** Most array elements + map entries in total (default 65 536). */
  readonly maxItems: number;
}

/** Default {@link ValueLimits}. */
export const DEFAULT_VALUE_LIMITS: ValueLimits = { maxDepth: 32, maxItems: 65_536 };

const packr = new Packr({ useRecords: false, moreTypes: false, structuredClone: false });
const unpackr = new Unpackr({
  useRecords: false,
  mapsAsObjects: true,
  structuredClone: false,
  int64AsType: "number",
});

/**
 * Encodes a plain value (null, boolean, number, bigint, string, Uint8Array, arrays, plain objects)
 * as msgpack. Throws MultiplayerError INVALID_ARGUMENT for anything else (class instances, Maps,
 * Dates, functions, symbols).
 *
 * @example
 * ```ts
 * import { decodeValue, encodeValue } from "./value_codec.ts";
 * const bytes = encodeValue({ hp: 10, tags: ["a"] });
 * console.log(decodeValue(bytes)); // { ok: true, value: { hp: 10, tags: ["a"] } }
 * ```
 */
export function encodeValue(value: unknown): Uint8Array {
  checkEncodable(value, 0);
  // copy: msgpackr hands out a view of its shared buffer (a Node Buffer)
  return new Uint8Array(packr.pack(value));
}

function checkEncodable(value: unknown, depth: number): void {
  if (depth > DEFAULT_VALUE_LIMITS.maxDepth) {
    throw new MultiplayerError("INVALID_ARGUMENT", "value is nested too deeply to encode");
  }
  switch (typeof value) {
    case "undefined":
    case "boolean":
    case "number":
    case "string":
      return;
    case "bigint":
      // msgpack carries 64 bits: int64 or uint64
      if (value < -(2n ** 63n) || value >= 2n ** 64n) {
        throw new MultiplayerError(
          "INVALID_ARGUMENT",
          `cannot encode the bigint ${value}: msgpack integers are 64-bit ` +
            "(from -2^63 to 2^64 - 1)",
        );
      }
      return;
    case "object": {
      if (value === null || value instanceof Uint8Array) return;
      if (Array.isArray(value)) {
        for (const v of value) checkEncodable(v, depth + 1);
        return;
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) {
        throw new MultiplayerError(
          "INVALID_ARGUMENT",
          `cannot encode a ${proto?.constructor?.name ?? "class"} instance: use plain objects`,
        );
      }
      for (const v of Object.values(value)) checkEncodable(v, depth + 1);
      return;
    }
    default:
      throw new MultiplayerError("INVALID_ARGUMENT", `cannot encode a ${typeof value}`);
  }
}

/** Result of {@link decodeValue}: never throws. */
export type DecodeResult = { readonly ok: true; readonly value: unknown } | {
  readonly ok: false;
  readonly error: string;
};

/**
 * Decodes untrusted msgpack bytes into plain values. Never throws; never builds class instances
 * (bin becomes a plain Uint8Array); a `__proto__` key becomes an own property `__proto_` so no
 * prototype is touched.
 *
 * @example
 * ```ts
 * import { decodeValue } from "./value_codec.ts";
 * console.log(decodeValue(new Uint8Array([0xc1])).ok); // false (0xc1 is never valid)
 * ```
 */
export function decodeValue(
  bytes: Uint8Array,
  limits: ValueLimits = DEFAULT_VALUE_LIMITS,
): DecodeResult {
  const end = scan(bytes, limits);
  if (end < 0) return { ok: false, error: SCAN_ERRORS[-end - 1] };
  if (end !== bytes.length) return { ok: false, error: "trailing bytes after the value" };
  try {
    return { ok: true, value: plain(unpackr.unpack(bytes)) };
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message : "malformed msgpack" };
  }
}

// Node Buffers (msgpackr's bin type under Deno) become plain Uint8Arrays.
function plain(value: unknown): unknown {
  if (typeof value !== "object" || value === null) return value;
  if (value instanceof Uint8Array) {
    return value.constructor === Uint8Array ? value : new Uint8Array(value);
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = plain(value[i]);
    return value;
  }
  const obj = value as Record<string, unknown>;
  for (const key of Object.keys(obj)) obj[key] = plain(obj[key]);
  return obj;
}

const SCAN_ERRORS = [
  "truncated msgpack",
  "msgpack nested too deeply",
  "msgpack declares too many items",
  "msgpack extension types are not accepted",
  "invalid msgpack byte",
];
const TRUNCATED = -1, TOO_DEEP = -2, TOO_MANY = -3, EXTENSION = -4, INVALID = -5;

/** Returns the end offset of the single value at 0, or a negative error code. Iterative. */
function scan(b: Uint8Array, limits: ValueLimits): number {
  let pos = 0;
  let items = 0;
  // pending[d] = values still to read at depth d (a stack of counters, no recursion)
  const pending: number[] = [1];
  while (pending.length > 0) {
    if (pending[pending.length - 1] === 0) {
      pending.pop();
      continue;
    }
    pending[pending.length - 1]--;
    if (pos >= b.length) return TRUNCATED;
    const t = b[pos++];
    let skip = 0;
    let children = 0;
    if (t <= 0x7f || t >= 0xe0 || (t >= 0xc0 && t <= 0xc3)) {
      if (t === 0xc1) return INVALID;
    } else if (t >= 0x80 && t <= 0x8f) children = (t & 0x0f) * 2;
    else if (t >= 0x90 && t <= 0x9f) children = t & 0x0f;
    else if (t >= 0xa0 && t <= 0xbf) skip = t & 0x1f;
    else {
      const need = HEADER_BYTES[t - 0xc4];
      if (pos + need > b.length) return TRUNCATED;
      const n = need === 1
        ? b[pos]
        : need === 2
        ? (b[pos] << 8) | b[pos + 1]
        : need === 4
        ? ((b[pos] << 24) >>> 0) + (b[pos + 1] << 16) + (b[pos + 2] << 8) + b[pos + 3]
        : 0;
      switch (t) {
        case 0xc4: // bin 8/16/32, str 8/16/32
        case 0xc5:
        case 0xc6:
        case 0xd9:
        case 0xda:
        case 0xdb:
          skip = need + n;
          break;
        case 0xd4: // fixext 1 with type 0 is msgpackr's `undefined`
          if (b[pos] !== 0 || pos + 2 > b.length) return EXTENSION;
          skip = 2;
          break;
        case 0xdc:
        case 0xdd:
          skip = need;
          children = n;
          break;
        case 0xde:
        case 0xdf:
          skip = need;
          children = n * 2;
          break;
        default:
          if (t >= 0xc7 && t <= 0xc9 || t >= 0xd5 && t <= 0xd8) return EXTENSION;
          skip = need; // numbers: the header table holds their width
      }
    }
    if (pos + skip > b.length) return TRUNCATED;
    pos += skip;
    if (children > 0) {
      items += children;
      if (items > limits.maxItems * 2) return TOO_MANY;
      // every child needs at least one byte
      if (children > b.length - pos) return TRUNCATED;
      if (pending.length > limits.maxDepth) return TOO_DEEP;
      pending.push(children);
    }
  }
  return pos;
}

// Bytes after the type byte for 0xc4..0xdf: length fields for bin/str/ext/array/map, widths for
// numbers (the scanner skips numbers whole).
const HEADER_BYTES = [
  1,
  2,
  4, // bin 8/16/32
  1,
  2,
  4, // ext 8/16/32
  4,
  8, // float 32/64
  1,
  2,
  4,
  8, // uint 8..64
  1,
  2,
  4,
  8, // int 8..64
  1,
  2,
  4,
  8,
  16, // fixext 1..16 (data bytes, type byte handled separately)
  1,
  2,
  4, // str 8/16/32
  2,
  4, // array 16/32
  2,
  4, // map 16/32
];
