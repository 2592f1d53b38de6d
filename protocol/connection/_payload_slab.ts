/**
 * Fresh payload copies without one ArrayBuffer per message: payloads are copied into views of a
 * shared 16 KiB slab that is never written again once handed out (allocating a typed array with
 * its own buffer costs ~10x more than the copy). The payloads of one received datagram are taken
 * with one copy of the datagram ({@link beginReceived} / {@link takePayload}): a byte loop per
 * 32-byte message cost more than the view it fills. Payloads outside such a datagram: small
 * ones are copied alone, large ones use `slice`.
 *
 * Consequence for receivers: `payload.buffer` may contain other messages; use the view's bytes,
 * and do not transfer/detach `payload.buffer`.
 *
 * @module
 */

const SLAB_SIZE = 16 * 1024;
/** Payloads up to this size are carved out of a slab. */
export const SLAB_MAX_PAYLOAD = 256;
let slab = new ArrayBuffer(SLAB_SIZE);
let slabBytes = new Uint8Array(slab);
let offset = 0;

/**
 * Copies `src[start..end)` into memory owned by the caller from now on.
 *
 * @example
 * ```ts
 * import { copyPayload } from "./_payload_slab.ts";
 * const rx = new Uint8Array([1, 2, 3, 4]);
 * const p = copyPayload(rx, 1, 3);
 * rx.fill(0);
 * console.log(p); // Uint8Array(2) [ 2, 3 ]
 * ```
 */
export function copyPayload(src: Uint8Array, start: number, end: number): Uint8Array {
  const n = end - start;
  if (n > SLAB_MAX_PAYLOAD) return src.slice(start, end);
  if (offset + n > SLAB_SIZE) {
    slab = new ArrayBuffer(SLAB_SIZE);
    slabBytes = new Uint8Array(slab);
    offset = 0;
  }
  const b = slabBytes, o = offset;
  for (let i = 0; i < n; i++) b[o + i] = src[start + i];
  offset = (o + n + 7) & ~7; // keep views 8-byte aligned for DataView-friendly payloads
  return new Uint8Array(slab, o, n);
}

// the received datagram whose payloads are being taken, and where its copy is
let rxSource: Uint8Array | undefined;
let rxOwned = false; // the carrier gave the datagram away: payloads are views of it, no copy
let rxBuffer: ArrayBufferLike = slab; // its buffer and offset, read once per datagram
let rxBase = 0;
let rxCopyFrom = -1; // source offset the copy starts at (-1: nothing copied yet)
let rxCopy: ArrayBuffer = slab;
let rxShift = 0; // copy offset minus source offset

/**
 * Starts taking the payloads of the received datagram `src` with {@link takePayload}; call
 * {@link endReceived} when done (the receive buffer may then be reused). `owned`: the carrier
 * gave `src` away (it never writes those bytes again), so payloads are views of it, not copies.
 *
 * @example
 * ```ts
 * import { beginReceived, endReceived, takePayload } from "./_payload_slab.ts";
 * const rx = new Uint8Array([0, 1, 2, 3, 4, 5]);
 * beginReceived(rx);
 * const a = takePayload(rx, 1, 3), b = takePayload(rx, 4, 6);
 * endReceived();
 * rx.fill(9);
 * console.log([...a], [...b], a.buffer === b.buffer); // [ 1, 2 ] [ 4, 5 ] true
 * ```
 */
export function beginReceived(src: Uint8Array, owned = false): void {
  rxSource = src;
  rxOwned = owned;
  rxCopyFrom = -1;
  if (owned) {
    rxBuffer = src.buffer;
    rxBase = src.byteOffset;
  }
}

/**
 * Ends the datagram begun with {@link beginReceived}.
 *
 * @example
 * ```ts
 * import { beginReceived, endReceived } from "./_payload_slab.ts";
 * beginReceived(new Uint8Array(4));
 * endReceived();
 * ```
 */
export function endReceived(): void {
  rxSource = undefined;
  rxBuffer = slab; // do not keep the last datagram's memory alive
}

/**
 * A fresh copy of `src[start..end)`. For the datagram begun with {@link beginReceived} (up to
 * {@link SLAB_MAX_DATAGRAM} bytes), the first call copies the datagram from `start` to its end
 * into a slab and every payload is a view of that copy (of the datagram itself when it was
 * begun as owned); otherwise like {@link copyPayload}.
 *
 * @example
 * ```ts
 * import { takePayload } from "./_payload_slab.ts";
 * console.log([...takePayload(new Uint8Array([5, 6, 7]), 1, 3)]); // [ 6, 7 ]
 * ```
 */
export function takePayload(src: Uint8Array, start: number, end: number): Uint8Array {
  if (src !== rxSource || src.length > SLAB_MAX_DATAGRAM) return copyPayload(src, start, end);
  if (rxOwned) return new Uint8Array(rxBuffer, rxBase + start, end - start);
  if (rxCopyFrom < 0 || start < rxCopyFrom) {
    const n = src.length - start;
    if (offset + n > SLAB_SIZE) {
      slab = new ArrayBuffer(SLAB_SIZE);
      slabBytes = new Uint8Array(slab);
      offset = 0;
    }
    slabBytes.set(start === 0 ? src : src.subarray(start), offset);
    rxCopy = slab;
    rxShift = offset - start;
    rxCopyFrom = start;
    offset = (offset + n + 7) & ~7;
  }
  return new Uint8Array(rxCopy, rxShift + start, end - start);
}

const OUT_SLAB_SIZE = 64 * 1024;
/** Outgoing datagrams up to this size are carved out of a slab (larger ones use `slice`). */
export const SLAB_MAX_DATAGRAM = 2048;
let outSlab = new ArrayBuffer(OUT_SLAB_SIZE);
let outBytes = new Uint8Array(outSlab);
let outOffset = 0;

/**
 * Copies a finished datagram `src[0..n)` out of a scratch writer into memory owned by the caller
 * (the transport may send it asynchronously): like {@link copyPayload}, a view of a 64 KiB slab
 * that is never written again, because `slice` allocating its own buffer costs ~1 us.
 *
 * @example
 * ```ts
 * import { copyDatagram } from "./_payload_slab.ts";
 * const scratch = new Uint8Array([9, 8, 7]);
 * const d = copyDatagram(scratch, 2);
 * scratch.fill(0);
 * console.log(d); // Uint8Array(2) [ 9, 8 ]
 * ```
 */
export function copyDatagram(src: Uint8Array, n: number): Uint8Array {
  if (n > SLAB_MAX_DATAGRAM) return src.slice(0, n);
  if (outOffset + n > OUT_SLAB_SIZE) {
    outSlab = new ArrayBuffer(OUT_SLAB_SIZE);
    outBytes = new Uint8Array(outSlab);
    outOffset = 0;
  }
  const b = outBytes, o = outOffset;
  if (n <= 96) { for (let i = 0; i < n; i++) b[o + i] = src[i]; }
  else b.set(src.subarray(0, n), o);
  outOffset = (o + n + 7) & ~7;
  return new Uint8Array(outSlab, o, n);
}
