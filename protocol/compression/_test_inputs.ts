/**
 * Deterministic sample inputs and round-trip checks for the compression tests (not part of the
 * public API).
 *
 * @module
 */

import assert from "node:assert/strict";
import type { Random } from "../random.ts";
import type { DatagramCompressor } from "./datagram_compressor.ts";

/** `input` compressed by `codec` into a buffer with 64 bytes of room; fails the test if it does not fit. */
export function compress(codec: DatagramCompressor, input: Uint8Array): Uint8Array {
  const packed = new Uint8Array(input.length + 64);
  const n = codec.compress(input, packed);
  assert.ok(n > 0, `compress failed for ${input.length} bytes`);
  return packed.slice(0, n);
}

/** Compresses `input`, checks that it decompresses to exactly `input`, returns the packed bytes. */
export function roundTrip(codec: DatagramCompressor, input: Uint8Array): Uint8Array {
  const packed = compress(codec, input);
  const plain = new Uint8Array(input.length);
  assert.equal(codec.decompress(packed, plain), input.length);
  assert.deepEqual(plain, input);
  return packed;
}

/** `length` uniformly random bytes. */
export function randomBytes(random: Random, length: number): Uint8Array {
  return random.fill(new Uint8Array(length));
}

/** Text-like bytes from a small alphabet with repeated words: compresses well. */
export function repetitiveBytes(random: Random, length: number): Uint8Array {
  const words = ["player", "position", "health", " ", "0", "1", "velocity", "\n", "ammo"];
  const out = new Uint8Array(length);
  const encoder = new TextEncoder();
  let pos = 0;
  while (pos < length) {
    const word = encoder.encode(words[random.nextU32() % words.length]);
    for (let i = 0; i < word.length && pos < length; i++) out[pos++] = word[i];
  }
  return out;
}

/** Runs of one byte value (long matches and zero-distance runs). */
export function runBytes(random: Random, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let pos = 0;
  while (pos < length) {
    const value = random.nextU32() & 0xff;
    const run = 1 + (random.nextU32() % 600);
    for (let i = 0; i < run && pos < length; i++) out[pos++] = value;
  }
  return out;
}

/**
 * A plausible ENet datagram body as Godot sends it: acknowledgements, pings and unreliable or
 * reliable sends whose payload starts with Godot's 8-byte source/target header followed by a
 * small RPC-like payload.
 */
export function enetLikeBody(random: Random, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let pos = 0;
  let seq = random.nextU32() & 0xffff;
  const put = (...bytes: number[]) => {
    for (const b of bytes) if (pos < length) out[pos++] = b & 0xff;
  };
  while (pos < length) {
    seq = (seq + 1) & 0xffff;
    const kind = random.nextU32() % 4;
    if (kind === 0) {
      put(0x01, 0xff, seq >> 8, seq, seq >> 8, seq - 3, random.nextU32(), random.nextU32());
    } else if (kind === 1) {
      put(0x85, 0xff, seq >> 8, seq);
    } else {
      const payload = 8 + 4 + (random.nextU32() % 40);
      const reliable = kind === 3;
      put(reliable ? 0x86 : 0x07, reliable ? 1 : 2, seq >> 8, seq);
      if (!reliable) put(0, seq & 7);
      put(payload >> 8, payload);
      // Godot header: source id (LE u32), target 0, then an RPC call with one float.
      put(0x3e, 0x9a, 0x21, 0x0f, 0, 0, 0, 0, 0x00, 0x05, 0, 0, 0x80);
      for (let i = 13; i < payload; i++) put(i % 3 === 0 ? random.nextU32() : 0x40 + (i & 7));
    }
  }
  return out;
}

/** Every generator above, by name. */
export const GENERATORS = {
  random: randomBytes,
  repetitive: repetitiveBytes,
  runs: runBytes,
  enet: enetLikeBody,
} as const;

/**
 * A damaged copy of `stream`: flipped bits, replaced bytes, truncation, appended garbage or
 * pure noise, chosen by `random` (never empty).
 */
export function damage(random: Random, stream: Uint8Array): Uint8Array {
  const kind = random.nextU32() % 5;
  if (kind === 4 || stream.length === 0) {
    return randomBytes(random, 1 + (random.nextU32() % 64));
  }
  if (kind === 2) return stream.slice(0, 1 + (random.nextU32() % stream.length));
  if (kind === 3) {
    const out = new Uint8Array(stream.length + 1 + (random.nextU32() % 8));
    out.set(stream);
    random.fill(out.subarray(stream.length));
    return out;
  }
  const out = stream.slice();
  const hits = 1 + (random.nextU32() % 3);
  for (let i = 0; i < hits; i++) {
    const at = random.nextU32() % out.length;
    out[at] = kind === 0 ? out[at] ^ (1 << (random.nextU32() % 8)) : random.nextU32() & 0xff;
  }
  return out;
}

/** Sentinel value written after a destination window to detect out-of-range writes. */
export const GUARD = 0xa5;

/** A `length`-byte view whose backing buffer has 16 guard bytes after it. */
export function guarded(length: number): { view: Uint8Array; intact(): boolean } {
  const backing = new Uint8Array(length + 16).fill(GUARD);
  const view = backing.subarray(0, length);
  return { view, intact: () => backing.subarray(length).every((b) => b === GUARD) };
}
