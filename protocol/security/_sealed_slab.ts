/**
 * Memory for outgoing sealed datagrams. The transport keeps a sent datagram until its socket
 * write finishes, so each one needs bytes of its own: small ones are carved from a shared 64 KiB
 * slab that is never written again once handed out (one view instead of one buffer per datagram).
 *
 * @module
 */

const SLAB_SIZE = 64 * 1024;
/** Datagrams up to this size come from the slab; larger ones get their own buffer. */
const SLAB_MAX = 4096;

let slab = new ArrayBuffer(SLAB_SIZE);
let used = 0;

/**
 * `n` fresh bytes that nobody else will write: a view of the current slab, or a new buffer for
 * large sizes. Contents are unspecified (the caller overwrites them all).
 *
 * @example
 * ```ts
 * import { takeSealedBuffer } from "./_sealed_slab.ts";
 * const a = takeSealedBuffer(100), b = takeSealedBuffer(100);
 * a.fill(1);
 * console.log(a.length, b[0]); // 100 0
 * ```
 */
export function takeSealedBuffer(n: number): Uint8Array {
  if (n > SLAB_MAX) return new Uint8Array(n);
  if (used + n > SLAB_SIZE) {
    slab = new ArrayBuffer(SLAB_SIZE);
    used = 0;
  }
  const view = new Uint8Array(slab, used, n);
  used += n;
  return view;
}
