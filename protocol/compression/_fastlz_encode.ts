/**
 * FastLZ block encoders (levels 1 and 2), greedy LZ77 with a 13-bit hash of the next three
 * bytes. Every decision (hash, match checks, where the match search stops, how long matches are
 * split) matters: Godot's encoder makes the same ones, and the output must be byte-identical.
 *
 * Stream format: an instruction byte whose top 3 bits are 0 is a literal run of
 * (low 5 bits + 1) bytes that follow. Otherwise the top 3 bits are a match length code (7 =
 * an extension byte follows) and the low 5 bits the high part of the distance, whose low byte
 * comes last. Level 2 extends lengths with 255-continued bytes and adds 16-bit far distances;
 * its first byte carries 1 in the top 3 bits. @module
 */

const MAX_COPY = 32;
const MAX_LEN = 264;
const MAX_L1_DISTANCE = 8192;
const MAX_L2_DISTANCE = 8191;
const MAX_FAR_DISTANCE = 65535 + MAX_L2_DISTANCE - 1;
const HASH_LOG = 13;
/** Entries of the position table every encoder call needs. */
export const HASH_SIZE = 1 << HASH_LOG;
const HASH_MASK = HASH_SIZE - 1;

/**
 * Worst-case output of either encoder for `length` input bytes (Godot's own bound).
 *
 * @example
 * ```ts
 * import { maxEncodedLength } from "./_fastlz_encode.ts";
 * console.log(maxEncodedLength(10), maxEncodedLength(1000)); // 66 1060
 * ```
 */
export function maxEncodedLength(length: number): number {
  return Math.max(66, length + Math.trunc(length * 6 / 100));
}

function hashAt(src: Uint8Array, p: number): number {
  const v = src[p] | (src[p + 1] << 8);
  return (v ^ (src[p + 1] | (src[p + 2] << 8)) ^ (v >> (16 - HASH_LOG))) & HASH_MASK;
}

/**
 * Extends a match whose first three bytes are equal; `ip` and `ref` point just past them.
 * Returns the input position one past the first mismatch (or the search bound), which is how
 * the format's encoder leaves its cursor (the length code depends on it).
 */
function extendMatch(
  src: Uint8Array,
  ip: number,
  ref: number,
  distance: number,
  ipBound: number,
): number {
  if (distance === 0) {
    // A run: compare against the repeated byte.
    const x = src[ip - 1];
    while (ip < ipBound) {
      if (src[ref++] !== x) break;
      ip++;
    }
    return ip;
  }
  // The first eight comparisons need no bound check (the main loop stops 12 bytes early).
  for (let k = 0; k < 8; k++) {
    if (src[ref++] !== src[ip++]) return ip;
  }
  while (ip < ipBound) {
    if (src[ref++] !== src[ip++]) break;
  }
  return ip;
}

/**
 * Level-1 encoder: distances below 8 KiB, match length codes extended by one byte and split at
 * 264 bytes. `out` must hold `maxEncodedLength(length)` bytes; `table` is scratch.
 *
 * @example
 * ```ts
 * import { encodeLevel1, HASH_SIZE, maxEncodedLength } from "./_fastlz_encode.ts";
 * const src = new Uint8Array(100).fill(7);
 * const out = new Uint8Array(maxEncodedLength(src.length));
 * console.log(encodeLevel1(src, out, new Int32Array(HASH_SIZE))); // 10
 * ```
 */
export function encodeLevel1(src: Uint8Array, out: Uint8Array, table: Int32Array): number {
  return encode(src, out, table, 1);
}

/**
 * Level-2 encoder (used by Godot for inputs of 64 KiB and more); same contract as level 1.
 *
 * @example
 * ```ts
 * import { encodeLevel2, HASH_SIZE, maxEncodedLength } from "./_fastlz_encode.ts";
 * const src = new Uint8Array(70_000).fill(7);
 * const out = new Uint8Array(maxEncodedLength(src.length));
 * encodeLevel2(src, out, new Int32Array(HASH_SIZE));
 * console.log(out[0] >> 5); // 1: the level marker
 * ```
 */
export function encodeLevel2(src: Uint8Array, out: Uint8Array, table: Int32Array): number {
  const written = encode(src, out, table, 2);
  // Inputs under 4 bytes come out as a bare literal run, without the level marker.
  if (src.length >= 4) out[0] |= 1 << 5;
  return written;
}

function encode(src: Uint8Array, out: Uint8Array, table: Int32Array, level: 1 | 2): number {
  const length = src.length;
  let ipBound = length - 2;
  const ipLimit = length - 12 - 1;
  if (length < 4) {
    if (length === 0) return 0;
    out[0] = length - 1;
    out.set(src, 1);
    return length + 1;
  }
  table.fill(0);
  let ip = 0;
  let op = 0;
  let copy = 2;
  out[op++] = MAX_COPY - 1;
  out[op++] = src[ip++];
  out[op++] = src[ip++];
  while (ip < ipLimit) {
    let len = 3;
    const anchor = ip;
    let distance: number;
    let ref: number;
    let matched = false;
    if (
      level === 2 && src[ip] === src[ip - 1] && src[ip] === src[ip + 1] &&
      src[ip + 1] === src[ip + 2]
    ) {
      // Level 2 codes runs directly, without consulting (or updating) the hash table.
      distance = 1;
      ref = anchor + 2;
      matched = true;
    } else {
      const h = hashAt(src, ip);
      ref = table[h];
      table[h] = anchor;
      distance = anchor - ref;
      const farthest = level === 1 ? MAX_L1_DISTANCE : MAX_FAR_DISTANCE;
      if (
        distance !== 0 && distance < farthest && src[ref] === src[ip] &&
        src[ref + 1] === src[ip + 1] && src[ref + 2] === src[ip + 2]
      ) {
        ref += 3;
        matched = true;
        if (level === 2 && distance >= MAX_L2_DISTANCE) {
          // Far matches must cover at least five bytes to pay for their longer code.
          if (src[ip + 3] !== src[ref] || src[ip + 4] !== src[ref + 1]) matched = false;
          else {
            ref += 2;
            len += 2;
          }
        }
      }
    }
    if (!matched) {
      out[op++] = src[anchor];
      ip = anchor + 1;
      copy++;
      if (copy === MAX_COPY) {
        copy = 0;
        out[op++] = MAX_COPY - 1;
      }
      continue;
    }
    distance--;
    ip = extendMatch(src, anchor + len, ref, distance, ipBound);
    // Close the pending literal run (or drop its unused instruction byte).
    if (copy !== 0) out[op - copy - 1] = copy - 1;
    else op--;
    copy = 0;
    ip -= 3;
    len = ip - anchor;
    op = level === 1 ? emitMatch1(out, op, len, distance) : emitMatch2(out, op, len, distance);
    table[hashAt(src, ip)] = ip++;
    table[hashAt(src, ip)] = ip++;
    out[op++] = MAX_COPY - 1;
  }
  ipBound++;
  while (ip <= ipBound) {
    out[op++] = src[ip++];
    copy++;
    if (copy === MAX_COPY) {
      copy = 0;
      out[op++] = MAX_COPY - 1;
    }
  }
  if (copy !== 0) out[op - copy - 1] = copy - 1;
  else op--;
  return op;
}

/** Writes a level-1 match; `len` is the match length minus 2, as the format counts it. */
function emitMatch1(out: Uint8Array, op: number, len: number, distance: number): number {
  while (len > MAX_LEN - 2) {
    out[op++] = (7 << 5) + (distance >> 8);
    out[op++] = MAX_LEN - 2 - 7 - 2;
    out[op++] = distance & 255;
    len -= MAX_LEN - 2;
  }
  if (len < 7) {
    out[op++] = (len << 5) + (distance >> 8);
    out[op++] = distance & 255;
  } else {
    out[op++] = (7 << 5) + (distance >> 8);
    out[op++] = len - 7;
    out[op++] = distance & 255;
  }
  return op;
}

/** Writes a level-2 match: unlimited length, and distances past 8 KiB as a 16-bit extension. */
function emitMatch2(out: Uint8Array, op: number, len: number, distance: number): number {
  const far = distance >= MAX_L2_DISTANCE;
  if (far) distance -= MAX_L2_DISTANCE;
  const high = far ? 31 : distance >> 8;
  if (len < 7) {
    out[op++] = (len << 5) + high;
  } else {
    out[op++] = (7 << 5) + high;
    for (len -= 7; len >= 255; len -= 255) out[op++] = 255;
    out[op++] = len;
  }
  if (far) {
    out[op++] = 255;
    out[op++] = distance >> 8;
    out[op++] = distance & 255;
  } else {
    out[op++] = distance & 255;
  }
  return op;
}
