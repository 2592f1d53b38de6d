/**
 * Fresh payload copies without one ArrayBuffer per message: small payloads are copied into
 * views of a shared 16 KiB slab that is never written again once handed out (allocating a
 * typed array with its own buffer costs ~10x more than the copy). Large payloads use `slice`.
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
