/**
 * ENet's own datagram compressor (Godot's `COMPRESS_RANGE_CODER`): an adaptive order-2 PPM model
 * driving a range coder. The model starts empty for every datagram, so each one decodes on its
 * own; output is byte-identical to libenet's. @module
 */

import { ArithmeticDecoder, ArithmeticEncoder } from "./_range_arith.ts";
import {
  RangeModel,
  ROOT,
  ROOT_SYMBOL_DELTA,
  ROOT_SYMBOL_MINIMUM,
  SUBCONTEXT_ESCAPE_DELTA,
  SUBCONTEXT_ORDER,
  SUBCONTEXT_SYMBOL_DELTA,
  TOTAL_RESCALE_THRESHOLD,
} from "./_range_model.ts";
import type { BlockCodec } from "./codec.ts";

/** A symbol this frequent in a higher-order context triggers halving of that context. */
const SUBCONTEXT_COUNT_LIMIT = 0xff - 2 * SUBCONTEXT_SYMBOL_DELTA;
/** A symbol this frequent in the root context triggers halving of the root. */
const ROOT_COUNT_LIMIT = 0xff - 2 * ROOT_SYMBOL_DELTA + ROOT_SYMBOL_MINIMUM;
/** `parentSlot` value meaning "the predicted-context variable" rather than a node. */
const PREDICTED_SLOT = -1;

/**
 * Compresses and decompresses with ENet's range coder. One instance owns its symbol table
 * (64 KiB) and reuses it on every call; calls must not interleave.
 *
 * @example
 * ```ts
 * import { RangeCoder } from "./range_coder.ts";
 * const coder = new RangeCoder();
 * const body = new Uint8Array(200).fill(7);
 * const packed = new Uint8Array(body.length);
 * const n = coder.compress(body, packed);
 * const plain = new Uint8Array(4096);
 * console.log(n < body.length, coder.decompress(packed.subarray(0, n), plain)); // true 200
 * ```
 */
export class RangeCoder implements BlockCodec {
  #model = new RangeModel();
  #encoder = new ArithmeticEncoder();
  #decoder = new ArithmeticDecoder();

  /** Compresses `src` into `dst`; returns bytes written, or -1 once they exceed `limit`. */
  compress(src: Uint8Array, dst: Uint8Array, limit: number = dst.length): number {
    if (src.length === 0) return 0;
    this.#encoder.begin(dst, limit >= 0 ? Math.min(limit, dst.length) : 0);
    const ok = this.#encodeAll(src) && this.#encoder.flush();
    const written = this.#encoder.length;
    this.#encoder.end();
    return ok ? written : -1;
  }

  /**
   * Decompresses `src` into `dst`; returns bytes written, or -1 when `src` is malformed or the
   * output would exceed `dst`. The work is bounded by `dst.length` whatever the input.
   */
  decompress(src: Uint8Array, dst: Uint8Array): number {
    if (src.length === 0) return 0;
    this.#decoder.begin(src);
    const written = this.#decodeAll(dst);
    this.#decoder.end();
    return written;
  }

  #encodeAll(src: Uint8Array): boolean {
    const model = this.#model;
    const encoder = this.#encoder;
    model.reset();
    let predicted = ROOT;
    let order = 0;
    for (let i = 0; i < src.length; i++) {
      const byte = src[i];
      // Each context the byte is missing from codes an escape and learns the byte; the chain of
      // nodes created this way becomes the next byte's context list.
      let parentSlot = PREDICTED_SLOT;
      let coded = false;
      for (let context = predicted; context !== ROOT; context = model.parent[context]) {
        model.lookup(context, byte, SUBCONTEXT_SYMBOL_DELTA, 0);
        const symbol = model.foundSymbol;
        const count = model.foundCount;
        if (parentSlot === PREDICTED_SLOT) predicted = symbol;
        else model.parent[parentSlot] = symbol;
        parentSlot = symbol;
        const total = model.total[context];
        const escapes = model.escapes[context];
        if (count > 0) {
          if (!encoder.encode(escapes + model.foundUnder, count, total)) return false;
        } else {
          if (escapes > 0 && escapes < total && !encoder.encode(0, escapes, total)) return false;
          model.escapes[context] += SUBCONTEXT_ESCAPE_DELTA;
          model.total[context] += SUBCONTEXT_ESCAPE_DELTA;
        }
        model.total[context] += SUBCONTEXT_SYMBOL_DELTA;
        if (count > SUBCONTEXT_COUNT_LIMIT || model.total[context] > TOTAL_RESCALE_THRESHOLD) {
          model.rescale(context, 0);
        }
        if (count > 0) {
          coded = true;
          break;
        }
      }
      if (!coded) {
        model.lookup(ROOT, byte, ROOT_SYMBOL_DELTA, ROOT_SYMBOL_MINIMUM);
        const count = model.foundCount;
        if (parentSlot === PREDICTED_SLOT) predicted = model.foundSymbol;
        else model.parent[parentSlot] = model.foundSymbol;
        const under = model.escapes[ROOT] + model.foundUnder;
        if (!encoder.encode(under, count, model.total[ROOT])) return false;
        model.total[ROOT] += ROOT_SYMBOL_DELTA;
        if (count > ROOT_COUNT_LIMIT || model.total[ROOT] > TOTAL_RESCALE_THRESHOLD) {
          model.rescale(ROOT, ROOT_SYMBOL_MINIMUM);
        }
      }
      if (order >= SUBCONTEXT_ORDER) predicted = model.parent[predicted];
      else order++;
      if (model.isFull()) {
        model.reset();
        predicted = ROOT;
        order = 0;
      }
    }
    return true;
  }

  #decodeAll(dst: Uint8Array): number {
    const model = this.#model;
    const decoder = this.#decoder;
    model.reset();
    let predicted = ROOT;
    let order = 0;
    let written = 0;
    for (;;) {
      // Walk down from the highest-order context until one of them codes a byte, skipping
      // contexts whose escape is certain (the encoder codes nothing for those).
      let context = predicted;
      let found = false;
      for (; context !== ROOT; context = model.parent[context]) {
        const escapes = model.escapes[context];
        if (escapes === 0) continue;
        const total = model.total[context];
        if (escapes >= total) continue;
        const code = decoder.read(total);
        if (code < escapes) {
          decoder.decode(0, escapes);
          continue;
        }
        if (!model.decodeLookup(context, code - escapes, SUBCONTEXT_SYMBOL_DELTA, 0)) return -1;
        const count = model.foundCount;
        decoder.decode(escapes + model.foundUnder, count);
        model.total[context] += SUBCONTEXT_SYMBOL_DELTA;
        if (count > SUBCONTEXT_COUNT_LIMIT || model.total[context] > TOTAL_RESCALE_THRESHOLD) {
          model.rescale(context, 0);
        }
        found = true;
        break;
      }
      if (!found) {
        const total = model.total[ROOT];
        const escapes = model.escapes[ROOT];
        const code = decoder.read(total);
        // An escape out of the root context marks the end of the stream.
        if (code < escapes) break;
        model.decodeLookup(ROOT, code - escapes, ROOT_SYMBOL_DELTA, ROOT_SYMBOL_MINIMUM);
        const count = model.foundCount;
        decoder.decode(escapes + model.foundUnder, count);
        model.total[ROOT] += ROOT_SYMBOL_DELTA;
        if (count > ROOT_COUNT_LIMIT || model.total[ROOT] > TOTAL_RESCALE_THRESHOLD) {
          model.rescale(ROOT, ROOT_SYMBOL_MINIMUM);
        }
      }
      const value = model.foundValue;
      const bottom = model.foundSymbol;
      // Teach the byte to the contexts that escaped, exactly as the encoder did.
      let parentSlot = PREDICTED_SLOT;
      for (let patch = predicted; patch !== context; patch = model.parent[patch]) {
        model.lookup(patch, value, SUBCONTEXT_SYMBOL_DELTA, 0);
        if (parentSlot === PREDICTED_SLOT) predicted = model.foundSymbol;
        else model.parent[parentSlot] = model.foundSymbol;
        parentSlot = model.foundSymbol;
        const count = model.foundCount;
        if (count === 0) {
          model.escapes[patch] += SUBCONTEXT_ESCAPE_DELTA;
          model.total[patch] += SUBCONTEXT_ESCAPE_DELTA;
        }
        model.total[patch] += SUBCONTEXT_SYMBOL_DELTA;
        if (count > SUBCONTEXT_COUNT_LIMIT || model.total[patch] > TOTAL_RESCALE_THRESHOLD) {
          model.rescale(patch, 0);
        }
      }
      if (parentSlot === PREDICTED_SLOT) predicted = bottom;
      else model.parent[parentSlot] = bottom;
      if (written >= dst.length) return -1;
      dst[written++] = value;
      if (order >= SUBCONTEXT_ORDER) predicted = model.parent[predicted];
      else order++;
      if (model.isFull()) {
        model.reset();
        predicted = ROOT;
        order = 0;
      }
    }
    return written;
  }
}
