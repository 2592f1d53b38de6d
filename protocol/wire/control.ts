/**
 * System payloads: control messages on wire channel 0 (always RELIABLE) and the msgpack bodies
 * of the CONNECT and ACCEPT handshake datagrams. Decoding is strict and never throws.
 *
 * @module
 */
import { decodeValue, encodeValue, type ValueLimits } from "./value_codec.ts";
import { MAX_PEER_ID } from "../constants.ts";

/** Wire channel that carries system messages. */
export const SYSTEM_CHANNEL = 0;

/** Control message kinds (first element of the msgpack array). */
export const ControlType = {
  /** `[1, id]`: server tells a client that peer `id` joined (relay on). */
  PEER_ADDED: 1,
  /** `[2, id]`: server tells a client that peer `id` left (relay on). */
  PEER_REMOVED: 2,
  /** `[3, window|nil, inBandwidth]`: receiver's flow feedback, both directions (`host/_flow_control.ts`). */
  FLOW: 3,
  /**
   * `[4]`: client -> server, sent once right after an encrypted ACCEPT verified: its sealed
   * datagram proves the client's keys at once (key confirmation), so the server announces it
   * without waiting for a keepalive. Ignored otherwise.
   */
  HELLO: 4,
} as const;

/**
 * The HELLO control payload (see {@link ControlType}); a fresh copy each call.
 *
 * @example
 * ```ts
 * import { encodeHello } from "./control.ts";
 * console.log(encodeHello()); // Uint8Array(2) [ 145, 4 ]
 * ```
 */
export function encodeHello(): Uint8Array {
  return Uint8Array.of(0x91, ControlType.HELLO);
}

/** A decoded control message. */
export type ControlMessage =
  | { readonly type: typeof ControlType.PEER_ADDED; readonly id: number }
  | { readonly type: typeof ControlType.PEER_REMOVED; readonly id: number };

const SMALL: ValueLimits = { maxDepth: 4, maxItems: 64 };

const isPeerId = (v: unknown): v is number =>
  typeof v === "number" && Number.isInteger(v) && v >= 1 && v <= MAX_PEER_ID;
const isCount = (v: unknown, max: number): v is number =>
  typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= max;

/**
 * Encodes a control message.
 *
 * @example
 * ```ts
 * import { ControlType, decodeControl, encodeControl } from "./control.ts";
 * const bytes = encodeControl({ type: ControlType.PEER_ADDED, id: 5 });
 * console.log(decodeControl(bytes)); // { type: 1, id: 5 }
 * ```
 */
export function encodeControl(message: ControlMessage): Uint8Array {
  return encodeValue([message.type, message.id]);
}

/**
 * Decodes an untrusted control message; undefined when malformed or unknown.
 *
 * @example
 * ```ts
 * import { decodeControl } from "./control.ts";
 * console.log(decodeControl(new Uint8Array([0x92, 0x09, 0x01]))); // undefined
 * ```
 */
export function decodeControl(bytes: Uint8Array): ControlMessage | undefined {
  const r = decodeValue(bytes, SMALL);
  if (!r.ok || !Array.isArray(r.value) || r.value.length !== 2) return undefined;
  const [type, id] = r.value;
  if (!isPeerId(id)) return undefined;
  if (type === ControlType.PEER_ADDED) return { type: ControlType.PEER_ADDED, id };
  if (type === ControlType.PEER_REMOVED) return { type: ControlType.PEER_REMOVED, id };
  return undefined;
}

/** Body of a CONNECT: what the client asks for. */
export interface ConnectPayload {
  /** User channels the client is configured with (the server's count wins). */
  readonly channelCount: number;
  /** Opaque application token for the server's authentication hook (may be empty). */
  readonly token: Uint8Array;
  /** Client's ephemeral public key when it asks for encryption (`[alg][raw]`). */
  readonly publicKey?: Uint8Array;
}

/** Largest serialized public key, signature or key confirmation carried in a handshake. */
export const MAX_KEY_FIELD_BYTES = 160;

/** Largest application token accepted in a CONNECT. */
export const MAX_TOKEN_BYTES = 1024;

/**
 * Encodes a CONNECT payload `[channelCount, token]`, or `[channelCount, token, publicKey]`
 * when the client asks for encryption.
 *
 * @example
 * ```ts
 * import { decodeConnectPayload, encodeConnectPayload } from "./control.ts";
 * const bytes = encodeConnectPayload({ channelCount: 3, token: new Uint8Array() });
 * console.log(decodeConnectPayload(bytes)?.channelCount); // 3
 * ```
 */
export function encodeConnectPayload(payload: ConnectPayload): Uint8Array {
  const { channelCount, token, publicKey } = payload;
  return encodeValue(publicKey ? [channelCount, token, publicKey] : [channelCount, token]);
}

/**
 * Decodes an untrusted CONNECT payload; undefined when malformed.
 *
 * @example
 * ```ts
 * import { decodeConnectPayload } from "./control.ts";
 * console.log(decodeConnectPayload(new Uint8Array([0xc0]))); // undefined
 * ```
 */
export function decodeConnectPayload(bytes: Uint8Array): ConnectPayload | undefined {
  const r = decodeValue(bytes, SMALL);
  if (!r.ok || !Array.isArray(r.value)) return undefined;
  if (r.value.length !== 2 && r.value.length !== 3) return undefined;
  const [channelCount, token, publicKey] = r.value;
  if (!isCount(channelCount, 255) || !(token instanceof Uint8Array)) return undefined;
  if (token.length > MAX_TOKEN_BYTES) return undefined;
  if (r.value.length === 2) return { channelCount, token };
  if (!isKeyField(publicKey) || publicKey.length === 0) return undefined;
  return { channelCount, token, publicKey };
}

/** Body of an ACCEPT: what the server decided. */
export interface AcceptBody {
  /** The client's assigned unique id. */
  readonly id: number;
  /** User channels of the session. */
  readonly channelCount: number;
  /** Whether the server relays client-to-client traffic. */
  readonly serverRelay: boolean;
  /** Server's silence timeout in ms (the client uses the same). */
  readonly timeoutMs: number;
  /** Present when the session is encrypted. */
  readonly crypto?: AcceptCrypto;
}

/** Key exchange fields of an encrypted session's ACCEPT. */
export interface AcceptCrypto {
  /** Server's ephemeral public key (`[alg][raw]`). */
  readonly serverPublicKey: Uint8Array;
  /** AEAD tag over the transcript with the server-to-client key: proves the same keys (PSK). */
  readonly confirmation: Uint8Array;
  /** Server identity's signature over the transcript (empty without an identity). */
  readonly signature: Uint8Array;
}

const isKeyField = (v: unknown): v is Uint8Array =>
  v instanceof Uint8Array && v.length <= MAX_KEY_FIELD_BYTES;

/**
 * Encodes an ACCEPT body `[id, channelCount, serverRelay, timeoutMs]`, followed by
 * `serverPublicKey, confirmation, signature` for an encrypted session.
 *
 * @example
 * ```ts
 * import { decodeAcceptBody, encodeAcceptBody } from "./control.ts";
 * const body = { id: 7, channelCount: 3, serverRelay: true, timeoutMs: 10000 };
 * console.log(decodeAcceptBody(encodeAcceptBody(body))?.id); // 7
 * ```
 */
export function encodeAcceptBody(body: AcceptBody): Uint8Array {
  const head = [body.id, body.channelCount, body.serverRelay, body.timeoutMs];
  const c = body.crypto;
  return encodeValue(c ? [...head, c.serverPublicKey, c.confirmation, c.signature] : head);
}

/**
 * Decodes an untrusted ACCEPT body; undefined when malformed.
 *
 * @example
 * ```ts
 * import { decodeAcceptBody } from "./control.ts";
 * console.log(decodeAcceptBody(new Uint8Array([0x90]))); // undefined
 * ```
 */
export function decodeAcceptBody(bytes: Uint8Array): AcceptBody | undefined {
  const r = decodeValue(bytes, SMALL);
  if (!r.ok || !Array.isArray(r.value)) return undefined;
  if (r.value.length !== 4 && r.value.length !== 7) return undefined;
  const [id, channelCount, serverRelay, timeoutMs, serverPublicKey, confirmation, signature] =
    r.value;
  if (!isPeerId(id) || id < 2 || !isCount(channelCount, 255) || channelCount < 1) return undefined;
  if (typeof serverRelay !== "boolean" || !isCount(timeoutMs, 3_600_000)) return undefined;
  if (r.value.length === 4) return { id, channelCount, serverRelay, timeoutMs };
  if (!isKeyField(serverPublicKey) || !isKeyField(confirmation) || !isKeyField(signature)) {
    return undefined;
  }
  const crypto = { serverPublicKey, confirmation, signature };
  return { id, channelCount, serverRelay, timeoutMs, crypto };
}
