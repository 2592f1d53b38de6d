/**
 * Turning a command block into a wire datagram (header, checksum, compression) and back.
 * Scratch buffers are shared: nothing here is kept between calls.
 *
 * @module
 */
import { type DecodedHeader, decodeHeader, encodeHeader } from "./codec.ts";
import type { DatagramCompressor } from "./compressor.ts";
import { EnetLimit } from "./constants.ts";
import { CRC32_START, crc32Finish, crc32Update } from "./crc32.ts";
import { CopySlab } from "./slab.ts";

/** Room kept in front of a command block for the largest header (peer word, time, checksum). */
export const HEADER_ROOM = 8;

/** Where commands are assembled: HEADER_ROOM bytes of header room, then up to one max MTU. */
export const txBuffer: Uint8Array = new Uint8Array(HEADER_ROOM + EnetLimit.MAXIMUM_MTU + 64);
const compressScratch = new Uint8Array(EnetLimit.MAXIMUM_MTU + 64);
const rxScratch = new Uint8Array(EnetLimit.MAXIMUM_MTU + 8);
const seedBytes = new Uint8Array(4);
// sealed datagrams (with `sharedBuffers`): a few hundred to a chunk, freed once sent
const txSlab = new CopySlab(64 * 1024, EnetLimit.MAXIMUM_MTU);

/**
 * How to seal / open datagrams.
 *
 * @example
 * ```ts
 * import type { DatagramCodecOptions } from "./_datagram.ts";
 * const plain: DatagramCodecOptions = { checksum: false, compressor: undefined };
 * ```
 */
export interface DatagramCodecOptions {
  checksum: boolean;
  compressor?: DatagramCompressor;
  /** Sealed datagrams are views of shared buffers (see the `sharedBuffers` option). */
  sharedBuffers?: boolean;
}

/**
 * Builds the datagram for the command block `txBuffer[HEADER_ROOM, end)`: header in front,
 * checksum (seeded with `checksumSeed`), compression when it helps. Returns a copy (a view of a
 * shared buffer with `sharedBuffers`).
 *
 * @example
 * ```ts
 * import { HEADER_ROOM, sealDatagram, txBuffer } from "./_datagram.ts";
 * txBuffer.set([0x85, 0xff, 0x00, 0x02], HEADER_ROOM);
 * const d = sealDatagram(HEADER_ROOM + 4, 0, 0, 0x1234, 0, { checksum: false, compressor: undefined });
 * console.log(d); // Uint8Array(8) [128, 0, 18, 52, 133, 255, 0, 2]
 * ```
 */
export function sealDatagram(
  end: number,
  peerId: number,
  sessionId: number,
  sentTime: number | undefined,
  checksumSeed: number,
  options: DatagramCodecOptions,
): Uint8Array {
  const bodyLength = end - HEADER_ROOM;
  let compressedLength = 0;
  if (options.compressor !== undefined && bodyLength > 0) {
    const n = options.compressor.compress(
      txBuffer.subarray(HEADER_ROOM, end),
      compressScratch.subarray(0, bodyLength),
    );
    if (Number.isInteger(n) && n > 0 && n < bodyLength) compressedLength = n;
  }
  const headerSize = (sentTime === undefined ? 2 : 4) + (options.checksum ? 4 : 0);
  const start = HEADER_ROOM - headerSize;
  encodeHeader(
    txBuffer,
    start,
    peerId,
    sessionId,
    compressedLength > 0,
    sentTime,
    options.checksum,
    checksumSeed,
  );
  if (options.checksum) {
    const crc = crc32Finish(crc32Update(CRC32_START, txBuffer, start, end));
    encodeHeader(txBuffer, start, peerId, sessionId, compressedLength > 0, sentTime, true, crc);
  }
  if (compressedLength === 0) {
    return options.sharedBuffers ? txSlab.copy(txBuffer, start, end) : txBuffer.slice(start, end);
  }
  // the compressed body goes right after the header, in place of the plain one
  txBuffer.set(compressScratch.subarray(0, compressedLength), HEADER_ROOM);
  const sealedEnd = HEADER_ROOM + compressedLength;
  return options.sharedBuffers
    ? txSlab.copy(txBuffer, start, sealedEnd)
    : txBuffer.slice(start, sealedEnd);
}

/**
 * Decompresses and checks a received datagram whose header is already in `header`. Returns the
 * datagram to parse commands from (header included: commands start at `header.size`), or
 * undefined when it must be dropped. The result may be a shared scratch view.
 *
 * @example
 * ```ts
 * import { DecodedHeader, decodeHeader } from "./codec.ts";
 * import { openDatagram } from "./_datagram.ts";
 * const bytes = new Uint8Array([0x00, 0x00, 0x85, 0xff, 0x00, 0x02]);
 * const h = new DecodedHeader();
 * decodeHeader(bytes, 0, false, h);
 * console.log(openDatagram(bytes, h, 0, { checksum: false, compressor: undefined })?.length); // 6
 * ```
 */
export function openDatagram(
  bytes: Uint8Array,
  header: DecodedHeader,
  checksumSeed: number,
  options: DatagramCodecOptions,
): Uint8Array | undefined {
  let view = bytes;
  if (header.compressed) {
    const compressor = options.compressor;
    if (compressor === undefined) return undefined;
    const room = rxScratch.subarray(header.size, EnetLimit.MAXIMUM_MTU);
    let n: number;
    try {
      n = compressor.decompress(bytes.subarray(header.size), room);
    } catch {
      return undefined;
    }
    if (!Number.isInteger(n) || n <= 0 || n > room.length) return undefined;
    rxScratch.set(bytes.subarray(0, header.size), 0);
    view = rxScratch.subarray(0, header.size + n);
  }
  if (options.checksum) {
    const at = header.size - 4;
    seedBytes[0] = checksumSeed >>> 24;
    seedBytes[1] = (checksumSeed >>> 16) & 0xff;
    seedBytes[2] = (checksumSeed >>> 8) & 0xff;
    seedBytes[3] = checksumSeed & 0xff;
    let crc = crc32Update(CRC32_START, view, 0, at);
    crc = crc32Update(crc, seedBytes, 0, 4);
    crc = crc32Update(crc, view, header.size, view.length);
    if (crc32Finish(crc) !== header.checksum) return undefined;
  }
  return view;
}

/**
 * Decodes the header of a received datagram into `out`; false when it is too short or larger
 * than any ENet datagram can be.
 *
 * @example
 * ```ts
 * import { DecodedHeader } from "./codec.ts";
 * import { readHeader } from "./_datagram.ts";
 * console.log(readHeader(new Uint8Array([0]), new DecodedHeader(), false)); // false
 * ```
 */
export function readHeader(bytes: Uint8Array, out: DecodedHeader, checksum: boolean): boolean {
  if (bytes.length > EnetLimit.MAXIMUM_MTU) return false;
  return decodeHeader(bytes, 0, checksum, out) > 0;
}
