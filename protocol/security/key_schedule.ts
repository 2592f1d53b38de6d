/**
 * Pure parts of the encryption key schedule: the handshake transcript, HKDF-SHA256 (RFC 5869),
 * the split into per-direction ChaCha20-Poly1305 keys + IVs, and per-packet nonces. The
 * WebCrypto parts (key agreement, signatures) live in `transport/secure/channel.ts`.
 *
 * @module
 */
import { MultiplayerError } from "../errors.ts";
import { HMAC_SHA256_BYTES, HmacSha256 } from "./_hmac.ts";
import { sha256 } from "./_sha256.ts";

/** AEAD (ChaCha20-Poly1305) key size in bytes. */
export const AEAD_KEY_BYTES = 32;
/** AEAD nonce (IV) size in bytes. */
export const AEAD_NONCE_BYTES = 12;
/** AEAD tag size in bytes (the ciphertext is this much longer than the plaintext). */
export const AEAD_TAG_BYTES = 16;
/**
 * Version of the encryption wire: the cipher of sealed datagrams and the key derivation that
 * feeds it. 1 was AES-256-GCM (WebCrypto, async); 2 is ChaCha20-Poly1305 (pure, synchronous). It
 * is part of the traffic-key label, so ends of different versions derive different keys and the
 * handshake's key confirmation fails (CRYPTO_ERROR) instead of any datagram being misread.
 *
 * @example
 * ```ts
 * import { SECURITY_VERSION } from "./key_schedule.ts";
 * console.log(SECURITY_VERSION); // 2
 * ```
 */
export const SECURITY_VERSION = 2;
/** Largest packet number a nonce can carry (numbers are exact integers up to 2^53 - 1). */
export const MAX_PACKET_NUMBER: number = Number.MAX_SAFE_INTEGER;

const enc = new TextEncoder();
const TRANSCRIPT_LABEL = enc.encode("netplay/1 transcript");
const TRAFFIC_INFO = enc.encode(`netplay/1 traffic v${SECURITY_VERSION} c2s s2c`);
const SERVER_AUTH_LABEL = enc.encode("netplay/1 server auth");

/** Everything both ends saw during the handshake; the keys are bound to all of it. */
export interface HandshakeTranscript {
  /** Protocol version both agreed on. */
  readonly version: number;
  /** Client's random 32-bit nonce from its connect request. */
  readonly clientNonce: number;
  /** Cookie the server issued and the client echoed. */
  readonly cookie: Uint8Array;
  /** Session id the server assigned. */
  readonly sessionId: number;
  /** Client's ephemeral public key (serialized, see `encodePublicKey`). */
  readonly clientPublicKey: Uint8Array;
  /** Server's ephemeral public key (serialized). */
  readonly serverPublicKey: Uint8Array;
}

/** Per-direction traffic keys derived from the shared secret. */
export interface TrafficSecrets {
  /** AEAD key, client -> server. */
  readonly clientToServerKey: Uint8Array;
  /** Base nonce, client -> server. */
  readonly clientToServerIv: Uint8Array;
  /** AEAD key, server -> client. */
  readonly serverToClientKey: Uint8Array;
  /** Base nonce, server -> client. */
  readonly serverToClientIv: Uint8Array;
}

/**
 * Canonical, unambiguous encoding of a transcript (label, fixed-width integers,
 * length-prefixed byte strings), hashed with SHA-256.
 *
 * @example
 * ```ts
 * import { transcriptHash } from "./key_schedule.ts";
 * const h = transcriptHash({
 *   version: 1, clientNonce: 7, cookie: new Uint8Array(24), sessionId: 99,
 *   clientPublicKey: new Uint8Array(33), serverPublicKey: new Uint8Array(33),
 * });
 * console.log(h.length); // 32
 * ```
 */
export function transcriptHash(t: HandshakeTranscript): Uint8Array {
  const parts = [t.cookie, t.clientPublicKey, t.serverPublicKey];
  let len = TRANSCRIPT_LABEL.length + 12;
  for (const p of parts) len += 4 + p.length;
  const out = new Uint8Array(len);
  const view = new DataView(out.buffer);
  out.set(TRANSCRIPT_LABEL);
  let o = TRANSCRIPT_LABEL.length;
  view.setUint32(o, t.version >>> 0);
  view.setUint32(o + 4, t.clientNonce >>> 0);
  view.setUint32(o + 8, t.sessionId >>> 0);
  o += 12;
  for (const p of parts) {
    view.setUint32(o, p.length);
    out.set(p, o + 4);
    o += 4 + p.length;
  }
  return sha256(out);
}

/**
 * HKDF-SHA256 (RFC 5869): extract with `salt`, expand with `info` to `length` bytes (<= 8160).
 *
 * @example
 * ```ts
 * import { hkdfSha256 } from "./key_schedule.ts";
 * const okm = hkdfSha256(new Uint8Array(0), new Uint8Array(32), new Uint8Array(0), 42);
 * console.log(okm.length); // 42
 * ```
 */
export function hkdfSha256(
  salt: Uint8Array,
  ikm: Uint8Array,
  info: Uint8Array,
  length: number,
): Uint8Array {
  if (!Number.isInteger(length) || length < 0 || length > 255 * HMAC_SHA256_BYTES) {
    throw new MultiplayerError("INVALID_ARGUMENT", `HKDF length must be in [0, 8160]: ${length}`);
  }
  const prk = new HmacSha256(salt.length > 0 ? salt : new Uint8Array(HMAC_SHA256_BYTES))
    .update(ikm).digest();
  const mac = new HmacSha256(prk);
  prk.fill(0);
  const out = new Uint8Array(length);
  const t = new Uint8Array(HMAC_SHA256_BYTES);
  const counter = new Uint8Array(1);
  for (let i = 0, o = 0; o < length; i++) {
    if (i > 0) mac.update(t);
    counter[0] = i + 1;
    mac.update(info).update(counter).digest(t);
    out.set(t.subarray(0, Math.min(HMAC_SHA256_BYTES, length - o)), o);
    o += HMAC_SHA256_BYTES;
  }
  t.fill(0);
  return out;
}

/**
 * Derives both directions' keys and IVs. `sharedSecret` is the raw ECDH output; a pre-shared key,
 * when given, is appended to it so that an attacker without the PSK cannot derive the keys
 * (this is what authenticates the server in PSK mode). Salt = transcript hash.
 *
 * @example
 * ```ts
 * import { deriveTrafficSecrets } from "./key_schedule.ts";
 * const s = deriveTrafficSecrets(new Uint8Array(32), new Uint8Array(32));
 * console.log(s.clientToServerKey.length, s.serverToClientIv.length); // 32 12
 * ```
 */
export function deriveTrafficSecrets(
  sharedSecret: Uint8Array,
  transcriptDigest: Uint8Array,
  psk?: Uint8Array,
): TrafficSecrets {
  let ikm = sharedSecret;
  if (psk && psk.length > 0) {
    ikm = new Uint8Array(sharedSecret.length + psk.length);
    ikm.set(sharedSecret);
    ikm.set(psk, sharedSecret.length);
  }
  const okm = hkdfSha256(
    transcriptDigest,
    ikm,
    TRAFFIC_INFO,
    2 * (AEAD_KEY_BYTES + AEAD_NONCE_BYTES),
  );
  if (ikm !== sharedSecret) ikm.fill(0);
  const k = AEAD_KEY_BYTES, n = AEAD_NONCE_BYTES;
  return {
    clientToServerKey: okm.slice(0, k),
    clientToServerIv: okm.slice(k, k + n),
    serverToClientKey: okm.slice(k + n, 2 * k + n),
    serverToClientIv: okm.slice(2 * k + n, 2 * (k + n)),
  };
}

/**
 * Message the server's long-term key signs: a label plus the transcript hash, which contains
 * both ephemeral public keys, so the signature cannot be replayed into another handshake.
 *
 * @example
 * ```ts
 * import { serverAuthMessage } from "./key_schedule.ts";
 * console.log(serverAuthMessage(new Uint8Array(32)).length > 32); // true
 * ```
 */
export function serverAuthMessage(transcriptDigest: Uint8Array): Uint8Array {
  const out = new Uint8Array(SERVER_AUTH_LABEL.length + transcriptDigest.length);
  out.set(SERVER_AUTH_LABEL);
  out.set(transcriptDigest, SERVER_AUTH_LABEL.length);
  return out;
}

/**
 * Per-packet AEAD nonce: the direction's IV with its last 8 bytes XORed with the big-endian
 * 64-bit packet number. Distinct packet numbers give distinct nonces. Writes into `out`
 * (12 bytes, may be reused) and returns it. Throws MultiplayerError INVALID_ARGUMENT for a
 * packet number that is not an integer in [0, 2^53).
 *
 * @example
 * ```ts
 * import { packetNonce } from "./key_schedule.ts";
 * const n = packetNonce(new Uint8Array(12), 258, new Uint8Array(12));
 * console.log(n[10], n[11]); // 1 2
 * ```
 */
export function packetNonce(iv: Uint8Array, packetNumber: number, out: Uint8Array): Uint8Array {
  if (!Number.isInteger(packetNumber) || packetNumber < 0 || packetNumber > MAX_PACKET_NUMBER) {
    throw new MultiplayerError(
      "INVALID_ARGUMENT",
      `packet number must be an integer in [0, 2^53), got ${packetNumber}`,
    );
  }
  for (let i = 0; i < AEAD_NONCE_BYTES; i++) out[i] = iv[i]; // no view per datagram
  const hi = Math.floor(packetNumber / 4294967296);
  const lo = packetNumber >>> 0;
  out[4] ^= hi >>> 24;
  out[5] ^= hi >>> 16;
  out[6] ^= hi >>> 8;
  out[7] ^= hi;
  out[8] ^= lo >>> 24;
  out[9] ^= lo >>> 16;
  out[10] ^= lo >>> 8;
  out[11] ^= lo;
  return out;
}
