/**
 * ENet 1.3 datagram header and command encoding / decoding. Every integer is big-endian; the
 * connect id is an opaque 32-bit value that only has to round-trip unchanged. Decoding reuses
 * caller-owned objects and never throws: malformed input gives -1.
 *
 * @module
 */
import {
  COMMAND_SIZES,
  EnetCommand,
  EnetFlag,
  HEADER_SIZE_FULL,
  HEADER_SIZE_SHORT,
} from "./constants.ts";

/**
 * Every field any command can carry. Fields a command does not have are left as they are.
 *
 * @example
 * ```ts
 * import { type EnetCommandFields, newCommandFields } from "./codec.ts";
 * const ping: EnetCommandFields = { ...newCommandFields(), command: 5, flags: 0x80, channelId: 0xff };
 * console.log(ping.command); // 5
 * ```
 */
export interface EnetCommandFields {
  /** Command number (0..12). */
  command: number;
  /** ACKNOWLEDGE (0x80) / UNSEQUENCED (0x40) bits. */
  flags: number;
  /** Channel (0xFF = connection-level command). */
  channelId: number;
  /** Reliable sequence number. */
  reliableSeq: number;
  /** ACKNOWLEDGE. */
  receivedReliableSeq: number;
  /** Sent time echoed from the acknowledged datagram. */
  receivedSentTime: number;
  /** CONNECT / VERIFY_CONNECT. */
  outgoingPeerId: number;
  /** Session id for datagrams towards the sender of this command (0xFF = none). */
  incomingSessionId: number;
  /** Session id for datagrams from the sender of this command (0xFF = none). */
  outgoingSessionId: number;
  /** MTU in bytes. */
  mtu: number;
  /** Reliable window in bytes. */
  windowSize: number;
  /** Channel count. */
  channelCount: number;
  /** CONNECT / VERIFY_CONNECT / BANDWIDTH_LIMIT. */
  incomingBandwidth: number;
  /** Upstream bandwidth in bytes/s (0 = unlimited). */
  outgoingBandwidth: number;
  /** CONNECT / VERIFY_CONNECT / THROTTLE_CONFIGURE. */
  throttleInterval: number;
  /** Packet throttle acceleration. */
  throttleAcceleration: number;
  /** Packet throttle deceleration. */
  throttleDeceleration: number;
  /** Opaque 32-bit connection id. */
  connectId: number;
  /** CONNECT / DISCONNECT user data. */
  data: number;
  /** SEND_UNRELIABLE. */
  unreliableSeq: number;
  /** SEND_UNSEQUENCED. */
  unsequencedGroup: number;
  /** SEND_FRAGMENT / SEND_UNRELIABLE_FRAGMENT. */
  startSeq: number;
  /** Fragments of the packet. */
  fragmentCount: number;
  /** Index of this fragment. */
  fragmentNumber: number;
  /** Length of the whole packet. */
  totalLength: number;
  /** Byte offset of this fragment in the packet. */
  fragmentOffset: number;
  /** Payload length of the SEND_* commands. */
  dataLength: number;
}

/**
 * A zeroed {@link EnetCommandFields}.
 *
 * @example
 * ```ts
 * import { newCommandFields } from "./codec.ts";
 * console.log(newCommandFields().channelId); // 0
 * ```
 */
export function newCommandFields(): EnetCommandFields {
  return new CommandFields();
}

/**
 * Every field of {@link EnetCommandFields}, zeroed: the common part of a decoded command and of
 * one waiting to be sent.
 *
 * @example
 * ```ts
 * import { CommandFields } from "./codec.ts";
 * console.log(new CommandFields().mtu); // 0
 * ```
 */
export class CommandFields implements EnetCommandFields {
  command = 0;
  flags = 0;
  channelId = 0;
  reliableSeq = 0;
  receivedReliableSeq = 0;
  receivedSentTime = 0;
  outgoingPeerId = 0;
  incomingSessionId = 0;
  outgoingSessionId = 0;
  mtu = 0;
  windowSize = 0;
  channelCount = 0;
  incomingBandwidth = 0;
  outgoingBandwidth = 0;
  throttleInterval = 0;
  throttleAcceleration = 0;
  throttleDeceleration = 0;
  connectId = 0;
  data = 0;
  unreliableSeq = 0;
  unsequencedGroup = 0;
  startSeq = 0;
  fragmentCount = 0;
  fragmentNumber = 0;
  totalLength = 0;
  fragmentOffset = 0;
  dataLength = 0;
}

/**
 * A decoded command: the fields plus where its payload sits in the decoded buffer.
 *
 * @example
 * ```ts
 * import { DecodedCommand, decodeCommand } from "./codec.ts";
 * const cmd = new DecodedCommand();
 * const bytes = new Uint8Array([0x85, 0xff, 0x00, 0x02]);
 * console.log(decodeCommand(bytes, 0, bytes.length, cmd), cmd.command); // 4 5
 * ```
 */
export class DecodedCommand extends CommandFields {
  /** Offset of the payload in the buffer given to {@link decodeCommand}. */
  dataOffset = 0;
}

/**
 * A decoded datagram header.
 *
 * @example
 * ```ts
 * import { DecodedHeader, decodeHeader } from "./codec.ts";
 * const h = new DecodedHeader();
 * console.log(decodeHeader(new Uint8Array([0x8f, 0xff, 0xe4, 0x39]), 0, false, h), h.peerId);
 * // 4 4095
 * ```
 */
export class DecodedHeader {
  /** The receiver's peer index (0xFFF = none, used by CONNECT). */
  peerId = 0;
  /** 2-bit session id. */
  sessionId = 0;
  /** The body after the header is compressed. */
  compressed = false;
  /** The header carries a sent time. */
  hasSentTime = false;
  /** Sender's clock & 0xFFFF (only meaningful with `hasSentTime`). */
  sentTime = 0;
  /** Checksum field as a big-endian u32 (only when checksums are on). */
  checksum = 0;
  /** Header size in bytes. */
  size = 0;
}

/**
 * Decodes the datagram header at `offset`. Returns its size, or -1 when too short.
 *
 * @example
 * ```ts
 * import { DecodedHeader, decodeHeader } from "./codec.ts";
 * const h = new DecodedHeader();
 * decodeHeader(new Uint8Array([0x00, 0x00, 0x01, 0xff]), 0, false, h);
 * console.log(h.hasSentTime, h.size); // false 2
 * ```
 */
export function decodeHeader(
  /** The datagram. */
  bytes: Uint8Array,
  offset: number,
  withChecksum: boolean,
  out: DecodedHeader,
): number {
  const length = bytes.length - offset;
  if (length < HEADER_SIZE_SHORT) return -1;
  const word = (bytes[offset] << 8) | bytes[offset + 1];
  out.hasSentTime = (word & EnetFlag.HEADER_SENT_TIME) !== 0;
  out.compressed = (word & EnetFlag.HEADER_COMPRESSED) !== 0;
  out.sessionId = (word & EnetFlag.HEADER_SESSION_MASK) >> EnetFlag.HEADER_SESSION_SHIFT;
  out.peerId = word & EnetFlag.HEADER_PEER_MASK;
  let size = out.hasSentTime ? HEADER_SIZE_FULL : HEADER_SIZE_SHORT;
  if (withChecksum) size += 4;
  if (length < size) return -1;
  out.sentTime = out.hasSentTime ? (bytes[offset + 2] << 8) | bytes[offset + 3] : 0;
  out.checksum = withChecksum ? readU32(bytes, offset + size - 4) : 0;
  out.size = size;
  return size;
}

/**
 * Writes a datagram header; returns its size. `sentTime` undefined = no sent-time field. The
 * checksum field, when `withChecksum`, is written as `checksum`.
 *
 * @example
 * ```ts
 * import { encodeHeader } from "./codec.ts";
 * const buf = new Uint8Array(4);
 * console.log(encodeHeader(buf, 0, 0, 0, false, 0xe43a, false, 0), buf); // 4 [128, 0, 228, 58]
 * ```
 */
export function encodeHeader(
  buf: Uint8Array,
  offset: number,
  peerId: number,
  sessionId: number,
  /** The body after the header is compressed. */
  compressed: boolean,
  sentTime: number | undefined,
  withChecksum: boolean,
  checksum: number,
): number {
  let word = (peerId & EnetFlag.HEADER_PEER_MASK) |
    ((sessionId << EnetFlag.HEADER_SESSION_SHIFT) & EnetFlag.HEADER_SESSION_MASK);
  if (compressed) word |= EnetFlag.HEADER_COMPRESSED;
  if (sentTime !== undefined) word |= EnetFlag.HEADER_SENT_TIME;
  writeU16(buf, offset, word);
  let size = HEADER_SIZE_SHORT;
  if (sentTime !== undefined) {
    writeU16(buf, offset + 2, sentTime & 0xffff);
    size = HEADER_SIZE_FULL;
  }
  if (withChecksum) {
    writeU32(buf, offset + size, checksum);
    size += 4;
  }
  return size;
}

/**
 * Decodes one command at `offset` (payload must end by `end`). Returns the offset after the
 * command and its payload, or -1 when truncated, unknown or its payload overruns `end`.
 *
 * @example
 * ```ts
 * import { DecodedCommand, decodeCommand } from "./codec.ts";
 * const ack = new Uint8Array([0x01, 0xff, 0x00, 0x01, 0x00, 0x01, 0xe4, 0x3a]);
 * const cmd = new DecodedCommand();
 * decodeCommand(ack, 0, ack.length, cmd);
 * console.log(cmd.receivedSentTime); // 58426
 * ```
 */
export function decodeCommand(
  /** The datagram. */
  bytes: Uint8Array,
  offset: number,
  end: number,
  out: DecodedCommand,
): number {
  if (offset + 4 > end) return -1;
  const first = bytes[offset];
  const number = first & EnetFlag.COMMAND_MASK;
  if (number >= COMMAND_SIZES.length) return -1;
  const size = COMMAND_SIZES[number];
  if (size === 0 || offset + size > end) return -1;
  out.command = number;
  out.flags = first & (EnetFlag.COMMAND_ACKNOWLEDGE | EnetFlag.COMMAND_UNSEQUENCED);
  out.channelId = bytes[offset + 1];
  out.reliableSeq = readU16(bytes, offset + 2);
  out.dataLength = 0;
  const p = offset + 4;
  switch (number) {
    case EnetCommand.ACKNOWLEDGE:
      out.receivedReliableSeq = readU16(bytes, p);
      out.receivedSentTime = readU16(bytes, p + 2);
      break;
    case EnetCommand.CONNECT:
    case EnetCommand.VERIFY_CONNECT:
      out.outgoingPeerId = readU16(bytes, p);
      out.incomingSessionId = bytes[p + 2];
      out.outgoingSessionId = bytes[p + 3];
      out.mtu = readU32(bytes, p + 4);
      out.windowSize = readU32(bytes, p + 8);
      out.channelCount = readU32(bytes, p + 12);
      out.incomingBandwidth = readU32(bytes, p + 16);
      out.outgoingBandwidth = readU32(bytes, p + 20);
      out.throttleInterval = readU32(bytes, p + 24);
      out.throttleAcceleration = readU32(bytes, p + 28);
      out.throttleDeceleration = readU32(bytes, p + 32);
      out.connectId = readU32(bytes, p + 36);
      if (number === EnetCommand.CONNECT) out.data = readU32(bytes, p + 40);
      break;
    case EnetCommand.DISCONNECT:
      out.data = readU32(bytes, p);
      break;
    case EnetCommand.PING:
      break;
    case EnetCommand.SEND_RELIABLE:
      out.dataLength = readU16(bytes, p);
      break;
    case EnetCommand.SEND_UNRELIABLE:
      out.unreliableSeq = readU16(bytes, p);
      out.dataLength = readU16(bytes, p + 2);
      break;
    case EnetCommand.SEND_UNSEQUENCED:
      out.unsequencedGroup = readU16(bytes, p);
      out.dataLength = readU16(bytes, p + 2);
      break;
    case EnetCommand.SEND_FRAGMENT:
    case EnetCommand.SEND_UNRELIABLE_FRAGMENT:
      out.startSeq = readU16(bytes, p);
      out.dataLength = readU16(bytes, p + 2);
      out.fragmentCount = readU32(bytes, p + 4);
      out.fragmentNumber = readU32(bytes, p + 8);
      out.totalLength = readU32(bytes, p + 12);
      out.fragmentOffset = readU32(bytes, p + 16);
      break;
    case EnetCommand.BANDWIDTH_LIMIT:
      out.incomingBandwidth = readU32(bytes, p);
      out.outgoingBandwidth = readU32(bytes, p + 4);
      break;
    case EnetCommand.THROTTLE_CONFIGURE:
      out.throttleInterval = readU32(bytes, p);
      out.throttleAcceleration = readU32(bytes, p + 4);
      out.throttleDeceleration = readU32(bytes, p + 8);
      break;
  }
  out.dataOffset = offset + size;
  const next = out.dataOffset + out.dataLength;
  return next > end ? -1 : next;
}

/**
 * Writes `cmd` (and `dataLength` bytes of `payload` from `payloadOffset`, for SEND_*) at
 * `offset`; returns the offset after it. The caller checks that it fits.
 *
 * @example
 * ```ts
 * import { encodeCommand, newCommandFields } from "./codec.ts";
 * const cmd = { ...newCommandFields(), command: 4, flags: 0x40, channelId: 0xff, data: 7 };
 * const buf = new Uint8Array(8);
 * console.log(encodeCommand(buf, 0, cmd, undefined, 0), buf[0]); // 8 68
 * ```
 */
export function encodeCommand(
  buf: Uint8Array,
  offset: number,
  cmd: EnetCommandFields,
  payload: Uint8Array | undefined,
  payloadOffset: number,
): number {
  const number = cmd.command & EnetFlag.COMMAND_MASK;
  buf[offset] = number | cmd.flags;
  buf[offset + 1] = cmd.channelId;
  writeU16(buf, offset + 2, cmd.reliableSeq);
  const p = offset + 4;
  switch (number) {
    case EnetCommand.ACKNOWLEDGE:
      writeU16(buf, p, cmd.receivedReliableSeq);
      writeU16(buf, p + 2, cmd.receivedSentTime);
      break;
    case EnetCommand.CONNECT:
    case EnetCommand.VERIFY_CONNECT:
      writeU16(buf, p, cmd.outgoingPeerId);
      buf[p + 2] = cmd.incomingSessionId;
      buf[p + 3] = cmd.outgoingSessionId;
      writeU32(buf, p + 4, cmd.mtu);
      writeU32(buf, p + 8, cmd.windowSize);
      writeU32(buf, p + 12, cmd.channelCount);
      writeU32(buf, p + 16, cmd.incomingBandwidth);
      writeU32(buf, p + 20, cmd.outgoingBandwidth);
      writeU32(buf, p + 24, cmd.throttleInterval);
      writeU32(buf, p + 28, cmd.throttleAcceleration);
      writeU32(buf, p + 32, cmd.throttleDeceleration);
      writeU32(buf, p + 36, cmd.connectId);
      if (number === EnetCommand.CONNECT) writeU32(buf, p + 40, cmd.data);
      break;
    case EnetCommand.DISCONNECT:
      writeU32(buf, p, cmd.data);
      break;
    case EnetCommand.SEND_RELIABLE:
      writeU16(buf, p, cmd.dataLength);
      break;
    case EnetCommand.SEND_UNRELIABLE:
      writeU16(buf, p, cmd.unreliableSeq);
      writeU16(buf, p + 2, cmd.dataLength);
      break;
    case EnetCommand.SEND_UNSEQUENCED:
      writeU16(buf, p, cmd.unsequencedGroup);
      writeU16(buf, p + 2, cmd.dataLength);
      break;
    case EnetCommand.SEND_FRAGMENT:
    case EnetCommand.SEND_UNRELIABLE_FRAGMENT:
      writeU16(buf, p, cmd.startSeq);
      writeU16(buf, p + 2, cmd.dataLength);
      writeU32(buf, p + 4, cmd.fragmentCount);
      writeU32(buf, p + 8, cmd.fragmentNumber);
      writeU32(buf, p + 12, cmd.totalLength);
      writeU32(buf, p + 16, cmd.fragmentOffset);
      break;
    case EnetCommand.BANDWIDTH_LIMIT:
      writeU32(buf, p, cmd.incomingBandwidth);
      writeU32(buf, p + 4, cmd.outgoingBandwidth);
      break;
    case EnetCommand.THROTTLE_CONFIGURE:
      writeU32(buf, p, cmd.throttleInterval);
      writeU32(buf, p + 4, cmd.throttleAcceleration);
      writeU32(buf, p + 8, cmd.throttleDeceleration);
      break;
  }
  let next = offset + COMMAND_SIZES[number];
  if (hasPayload(number) && cmd.dataLength > 0 && payload !== undefined) {
    buf.set(payload.subarray(payloadOffset, payloadOffset + cmd.dataLength), next);
    next += cmd.dataLength;
  }
  return next;
}

/**
 * True for the commands that carry a payload after their fixed part.
 *
 * @example
 * ```ts
 * import { hasPayload } from "./codec.ts";
 * console.log(hasPayload(6), hasPayload(5)); // true false
 * ```
 */
export function hasPayload(command: number): boolean {
  return command === EnetCommand.SEND_RELIABLE || command === EnetCommand.SEND_UNRELIABLE ||
    command === EnetCommand.SEND_UNSEQUENCED || command === EnetCommand.SEND_FRAGMENT ||
    command === EnetCommand.SEND_UNRELIABLE_FRAGMENT;
}

/**
 * One command of {@link decodeDatagram}'s result (a detached copy, payload included).
 *
 * @example
 * ```ts
 * import type { DecodedCommandCopy } from "./codec.ts";
 * const show = (c: DecodedCommandCopy) => `${c.command}:${c.payload.length}`;
 * ```
 */
export type DecodedCommandCopy = EnetCommandFields & { payload: Uint8Array };

/**
 * Decodes a whole uncompressed datagram into fresh objects (for tools and tests; the state
 * machine uses the allocation-free functions). Returns undefined when the header is invalid;
 * `complete` is false when decoding stopped at a malformed command.
 *
 * @example
 * ```ts
 * import { decodeDatagram } from "./codec.ts";
 * const d = decodeDatagram(new Uint8Array([0x80, 0x00, 0xe6, 0x55, 0x85, 0xff, 0x00, 0x02]));
 * console.log(d?.commands[0].command, d?.header.sentTime); // 5 58965
 * ```
 */
export function decodeDatagram(
  /** The datagram. */
  bytes: Uint8Array,
  withChecksum = false,
): { header: DecodedHeader; commands: DecodedCommandCopy[]; complete: boolean } | undefined {
  const header = new DecodedHeader();
  const size = decodeHeader(bytes, 0, withChecksum, header);
  if (size < 0) return undefined;
  const commands: DecodedCommandCopy[] = [];
  const cmd = new DecodedCommand();
  let offset = size;
  while (offset < bytes.length) {
    const next = decodeCommand(bytes, offset, bytes.length, cmd);
    if (next < 0) return { header, commands, complete: false };
    const { dataOffset: _dataOffset, ...fields } = cmd;
    commands.push({
      ...fields,
      payload: bytes.slice(cmd.dataOffset, cmd.dataOffset + cmd.dataLength),
    });
    offset = next;
  }
  return { header, commands, complete: true };
}

function readU16(b: Uint8Array, o: number): number {
  return (b[o] << 8) | b[o + 1];
}

function readU32(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

function writeU16(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >>> 8) & 0xff;
  b[o + 1] = v & 0xff;
}

function writeU32(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >>> 24) & 0xff;
  b[o + 1] = (v >>> 16) & 0xff;
  b[o + 2] = (v >>> 8) & 0xff;
  b[o + 3] = v & 0xff;
}
