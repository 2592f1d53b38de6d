/**
 * Handshake datagrams (types 1-6, 8) and the stateless challenge cookie. Layouts are documented in
 * `protocol/README.md` ("Handshake"). Every datagram is a msgpack array that starts with the magic
 * `0xD7VV` (VV = protocol version) and the packet type.
 *
 * @module
 */
import { PROTOCOL_VERSION } from "../constants.ts";
import { DisconnectReason } from "../errors.ts";
import { COOKIE_BYTES } from "../security/cookie.ts";

export { COOKIE_BYTES } from "../security/cookie.ts";

/** Datagram types (second element of every datagram). */
export const PacketType = {
  DATA: 0,
  CONNECT_REQUEST: 1,
  CHALLENGE: 2,
  CONNECT: 3,
  ACCEPT: 4,
  REJECT: 5,
  DISCONNECT: 6,
  ABORT: 8,
} as const;
/** One of {@link PacketType}'s values. */
export type PacketType = typeof PacketType[keyof typeof PacketType];

/** High byte shared by every version's magic; the low byte is the protocol version. */
export const MAGIC_HIGH = 0xd7;
/** This version's magic. */
export const MAGIC = (MAGIC_HIGH << 8) | PROTOCOL_VERSION;
/**
 * REQUEST and CONNECT are padded to at least this size; every reply sent before the cookie is
 * validated (CHALLENGE, REJECT) is smaller, so the server never amplifies a spoofed request.
 */
export const MIN_HANDSHAKE_SIZE = 128;
/** REJECT messages are cut to this many bytes so a REJECT stays below MIN_HANDSHAKE_SIZE. */
export const MAX_REJECT_MESSAGE_BYTES = 96;

/**
 * A decoded handshake datagram. Byte fields are views into the received datagram, only valid
 * during the call that decoded them.
 */
export interface HandshakePacket {
  /** Sender's protocol version (low byte of the magic). */
  version: number;
  /** Packet type. */
  type: PacketType;
  /** Client nonce (types 1-5, 8). */
  nonce: number;
  /** Session id (ACCEPT, DISCONNECT). */
  sessionId: number;
  /** Reject / disconnect reason code. */
  reason: number;
  /** Cookie (CHALLENGE, CONNECT, ABORT). */
  cookie: Uint8Array;
  /** CONNECT payload or ACCEPT body. */
  payload: Uint8Array;
  /** REJECT message. */
  message: string;
}

const EMPTY = new Uint8Array(0);
const decoder = new TextDecoder("utf-8", { fatal: false });
const encoder = new TextEncoder();

// ---------------------------------------------------------------------------------- encoding

class Writer {
  readonly buf: Uint8Array;
  pos = 0;
  constructor(size: number) {
    this.buf = new Uint8Array(size);
  }
  arr(n: number): this {
    this.buf[this.pos++] = 0x90 | n;
    return this;
  }
  uint(v: number): this {
    if (v < 0x80) this.buf[this.pos++] = v;
    else {
      this.buf[this.pos++] = 0xce;
      new DataView(this.buf.buffer).setUint32(this.pos, v);
      this.pos += 4;
    }
    return this;
  }
  magic(): this {
    this.buf[this.pos++] = 0xcd;
    this.buf[this.pos++] = MAGIC >> 8;
    this.buf[this.pos++] = MAGIC & 0xff;
    return this;
  }
  bin(b: Uint8Array): this {
    this.buf[this.pos++] = 0xc5;
    this.buf[this.pos++] = b.length >> 8;
    this.buf[this.pos++] = b.length & 0xff;
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }
  str(b: Uint8Array): this {
    this.buf[this.pos++] = 0xd9;
    this.buf[this.pos++] = b.length;
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }
  done(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }
}

// Padding bin so the datagram reaches MIN_HANDSHAKE_SIZE (header of the bin = 3 bytes).
function padFor(used: number): Uint8Array {
  return new Uint8Array(Math.max(0, MIN_HANDSHAKE_SIZE - used - 3));
}

/**
 * Encodes a CONNECT_REQUEST `[magic, 1, nonce, padding]`, padded to MIN_HANDSHAKE_SIZE.
 *
 * @example
 * ```ts
 * import { encodeRequest, MIN_HANDSHAKE_SIZE } from "./handshake.ts";
 * console.log(encodeRequest(7).length >= MIN_HANDSHAKE_SIZE); // true
 * ```
 */
export function encodeRequest(nonce: number): Uint8Array {
  const w = new Writer(MIN_HANDSHAKE_SIZE + 16).arr(4).magic().uint(PacketType.CONNECT_REQUEST)
    .uint(nonce);
  return w.bin(padFor(w.pos)).done();
}

/**
 * Encodes a CHALLENGE `[magic, 2, nonce, cookie]`.
 *
 * @example
 * ```ts
 * import { COOKIE_BYTES, encodeChallenge } from "./handshake.ts";
 * console.log(encodeChallenge(7, new Uint8Array(COOKIE_BYTES)).length); // 33
 * ```
 */
export function encodeChallenge(nonce: number, cookie: Uint8Array): Uint8Array {
  return new Writer(16 + cookie.length).arr(4).magic().uint(PacketType.CHALLENGE).uint(nonce)
    .bin(cookie).done();
}

/**
 * Encodes a CONNECT `[magic, 3, nonce, cookie, payload, padding]`, padded to MIN_HANDSHAKE_SIZE.
 *
 * @example
 * ```ts
 * import { encodeConnect } from "./handshake.ts";
 * console.log(encodeConnect(7, new Uint8Array(24), new Uint8Array([0x93])).length); // 128
 * ```
 */
export function encodeConnect(nonce: number, cookie: Uint8Array, payload: Uint8Array): Uint8Array {
  const w = new Writer(MIN_HANDSHAKE_SIZE + 32 + cookie.length + payload.length).arr(6).magic()
    .uint(PacketType.CONNECT).uint(nonce).bin(cookie).bin(payload);
  return w.bin(padFor(w.pos)).done();
}

/**
 * Encodes an ACCEPT `[magic, 4, nonce, sessionId, body]`.
 *
 * @example
 * ```ts
 * import { encodeAccept } from "./handshake.ts";
 * console.log(encodeAccept(7, 99, new Uint8Array([0x90])).length); // 16
 * ```
 */
export function encodeAccept(nonce: number, sessionId: number, body: Uint8Array): Uint8Array {
  return new Writer(24 + body.length).arr(5).magic().uint(PacketType.ACCEPT).uint(nonce)
    .uint(sessionId).bin(body).done();
}

/**
 * Encodes a REJECT `[magic, 5, nonce, reason, message]`. This layout never changes across
 * versions, so a client of any version can read why it was rejected.
 *
 * @example
 * ```ts
 * import { encodeReject, MIN_HANDSHAKE_SIZE } from "./handshake.ts";
 * console.log(encodeReject(7, 3, "x".repeat(500)).length < MIN_HANDSHAKE_SIZE); // true
 * ```
 */
export function encodeReject(nonce: number, reason: number, message: string): Uint8Array {
  let text = encoder.encode(message);
  if (text.length > MAX_REJECT_MESSAGE_BYTES) {
    // cut at a UTF-8 character boundary
    let end = MAX_REJECT_MESSAGE_BYTES;
    while (end > 0 && (text[end] & 0xc0) === 0x80) end--;
    text = text.subarray(0, end);
  }
  return new Writer(16 + text.length).arr(5).magic().uint(PacketType.REJECT).uint(nonce)
    .uint(reason & 0x7f).str(text).done();
}

/**
 * Encodes a DISCONNECT `[magic, 6, sessionId, reason]`.
 *
 * @example
 * ```ts
 * import { encodeDisconnect } from "./handshake.ts";
 * console.log(encodeDisconnect(99, 1).length); // 7
 * ```
 */
export function encodeDisconnect(sessionId: number, reason: number): Uint8Array {
  return new Writer(16).arr(4).magic().uint(PacketType.DISCONNECT).uint(sessionId)
    .uint(reason & 0x7f).done();
}

/**
 * Encodes an ABORT `[magic, 8, nonce, cookie]`: a client that gave up on its attempt tells the
 * server (the cookie proves it owns the address), so a late decision never admits it.
 *
 * @example
 * ```ts
 * import { COOKIE_BYTES, encodeAbort } from "./handshake.ts";
 * console.log(encodeAbort(7, new Uint8Array(COOKIE_BYTES)).length); // 33
 * ```
 */
export function encodeAbort(nonce: number, cookie: Uint8Array): Uint8Array {
  return new Writer(16 + cookie.length).arr(4).magic().uint(PacketType.ABORT).uint(nonce)
    .bin(cookie).done();
}

// ---------------------------------------------------------------------------------- decoding

const scratch: HandshakePacket = {
  version: 0,
  type: 0,
  nonce: 0,
  sessionId: 0,
  reason: 0,
  cookie: EMPTY,
  payload: EMPTY,
  message: "",
};
let rb: Uint8Array = EMPTY;
let rp = 0;

function rUint(): number {
  if (rp >= rb.length) return -1;
  const t = rb[rp++];
  if (t < 0x80) return t;
  if (t === 0xcc && rp + 1 <= rb.length) return rb[rp++];
  if (t === 0xcd && rp + 2 <= rb.length) return (rb[rp++] << 8) | rb[rp++];
  if (t === 0xce && rp + 4 <= rb.length) {
    const v = ((rb[rp] << 24) >>> 0) + (rb[rp + 1] << 16) + (rb[rp + 2] << 8) + rb[rp + 3];
    rp += 4;
    return v;
  }
  return -1;
}

function rBytes(binType: boolean): Uint8Array | undefined {
  if (rp >= rb.length) return undefined;
  const t = rb[rp++];
  let n = -1;
  if (!binType && t >= 0xa0 && t <= 0xbf) n = t & 0x1f;
  else if (t === (binType ? 0xc4 : 0xd9) && rp + 1 <= rb.length) n = rb[rp++];
  else if (t === (binType ? 0xc5 : 0xda) && rp + 2 <= rb.length) n = (rb[rp++] << 8) | rb[rp++];
  if (n < 0 || rp + n > rb.length) return undefined;
  rp += n;
  return rb.subarray(rp - n, rp);
}

/**
 * Reads the `[magic, type` prefix: returns the type, or -1 when the datagram is not ours (any
 * version). Sets `version` of the shared result. Allocation-free; never throws.
 */
function readPrefix(bytes: Uint8Array): number {
  rb = bytes;
  rp = 0;
  if (bytes.length < 5) return -1;
  const head = bytes[rp++];
  if (head < 0x92 || head > 0x9f) return -1;
  const magic = rUint();
  if (magic < 0 || magic >> 8 !== MAGIC_HIGH) return -1;
  scratch.version = magic & 0xff;
  return rUint();
}

/**
 * Decodes a handshake datagram (types 1-6, 8). Returns undefined for anything malformed or of
 * another version (except REJECT, readable from any version). The result is a shared object,
 * valid until the next call. Never throws.
 *
 * @example
 * ```ts
 * import { decodeHandshake, encodeDisconnect } from "./handshake.ts";
 * console.log(decodeHandshake(encodeDisconnect(9, 1))?.sessionId); // 9
 * ```
 */
export function decodeHandshake(bytes: Uint8Array): HandshakePacket | undefined {
  const type = readPrefix(bytes);
  const p = scratch;
  p.nonce = p.sessionId = p.reason = 0;
  p.cookie = p.payload = EMPTY;
  p.message = "";
  const count = bytes[0] & 0x0f;
  const ok = (v: number) => v >= 0;
  switch (type) {
    case PacketType.CONNECT_REQUEST: // version checked by the caller (it answers mismatches)
      p.nonce = rUint();
      if (!ok(p.nonce)) return undefined;
      if (p.version !== PROTOCOL_VERSION) {
        p.type = type; // other versions: only [magic, 1, nonce] is frozen
        return p;
      }
      return count === 4 && rBytes(true) ? done(p, type) : undefined;
    case PacketType.CHALLENGE:
    case PacketType.ABORT:
    case PacketType.CONNECT: {
      p.nonce = rUint();
      const cookie = rBytes(true);
      if (!ok(p.nonce) || cookie === undefined || cookie.length !== COOKIE_BYTES) return undefined;
      p.cookie = cookie;
      if (type !== PacketType.CONNECT) return count === 4 ? done(p, type) : undefined;
      const payload = rBytes(true);
      if (count !== 6 || payload === undefined || rBytes(true) === undefined) return undefined;
      p.payload = payload;
      return done(p, type);
    }
    case PacketType.ACCEPT: {
      p.nonce = rUint();
      p.sessionId = rUint();
      const body = rBytes(true);
      if (count !== 5 || !ok(p.nonce) || !ok(p.sessionId) || body === undefined) return undefined;
      p.payload = body;
      return done(p, type);
    }
    case PacketType.REJECT: {
      p.nonce = rUint();
      p.reason = rUint();
      const text = rBytes(false);
      if (count < 5 || !ok(p.nonce) || !ok(p.reason) || text === undefined) return undefined;
      p.message = decoder.decode(text);
      p.type = type;
      return p; // any version: the layout is frozen
    }
    case PacketType.DISCONNECT:
      p.sessionId = rUint();
      p.reason = rUint();
      return count === 4 && ok(p.sessionId) && ok(p.reason) ? done(p, type) : undefined;
    default:
      return undefined;
  }
}

function done(p: HandshakePacket, type: PacketType): HandshakePacket | undefined {
  if (p.version !== PROTOCOL_VERSION && type !== PacketType.CONNECT_REQUEST) return undefined;
  if (rp !== rb.length) return undefined; // trailing garbage
  p.type = type;
  return p;
}

/**
 * Maps an untrusted wire reason code to a {@link DisconnectReason} (unknown -> PROTOCOL_ERROR).
 *
 * @example
 * ```ts
 * import { toReason } from "./handshake.ts";
 * console.log(toReason(2), toReason(200)); // 2 8
 * ```
 */
export function toReason(code: number): DisconnectReason {
  return (code >= 1 && code <= 10 ? code : DisconnectReason.PROTOCOL_ERROR) as DisconnectReason;
}
