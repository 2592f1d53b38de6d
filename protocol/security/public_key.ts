/**
 * Serialized public keys: `[algorithm byte][raw key]`. Pure, so the handshake can parse keys
 * from untrusted datagrams without WebCrypto.
 *
 * @module
 */
import { MultiplayerError } from "../errors.ts";

/** Key algorithms, as the first byte of a serialized public key. */
export const KeyAlgorithm = {
  X25519: 1,
  ECDH_P256: 2,
  ED25519: 3,
  ECDSA_P256: 4,
} as const;
/** One of {@link KeyAlgorithm}'s values. */
export type KeyAlgorithm = typeof KeyAlgorithm[keyof typeof KeyAlgorithm];

const RAW_LENGTH: Record<KeyAlgorithm, number> = { 1: 32, 2: 65, 3: 32, 4: 65 };

/** Serialized public key: `[algorithm byte][raw key]`. */
export type SerializedPublicKey = Uint8Array;

/**
 * Serializes a raw public key with its algorithm tag.
 *
 * @example
 * ```ts
 * import { encodePublicKey, KeyAlgorithm } from "./public_key.ts";
 * console.log(encodePublicKey(KeyAlgorithm.X25519, new Uint8Array(32)).length); // 33
 * ```
 */
export function encodePublicKey(algorithm: KeyAlgorithm, raw: Uint8Array): SerializedPublicKey {
  if (RAW_LENGTH[algorithm] !== raw.length) {
    throw new MultiplayerError("INVALID_ARGUMENT", `bad raw key length ${raw.length}`);
  }
  const out = new Uint8Array(1 + raw.length);
  out[0] = algorithm;
  out.set(raw, 1);
  return out;
}

/**
 * Parses a serialized public key; undefined for anything malformed (input may be untrusted).
 *
 * @example
 * ```ts
 * import { decodePublicKey } from "./public_key.ts";
 * console.log(decodePublicKey(new Uint8Array([1, ...new Uint8Array(32)]))?.algorithm); // 1
 * console.log(decodePublicKey(new Uint8Array([9]))); // undefined
 * ```
 */
export function decodePublicKey(
  bytes: Uint8Array,
): { algorithm: KeyAlgorithm; raw: Uint8Array } | undefined {
  const algorithm = bytes[0] as KeyAlgorithm;
  const len = RAW_LENGTH[algorithm];
  if (len === undefined || bytes.length !== 1 + len) return undefined;
  return { algorithm, raw: bytes.subarray(1) };
}

/**
 * Hex rendering of a serialized key, for configs and logs.
 *
 * @example
 * ```ts
 * import { publicKeyToHex } from "./public_key.ts";
 * console.log(publicKeyToHex(new Uint8Array([3, 255]))); // "03ff"
 * ```
 */
export function publicKeyToHex(key: SerializedPublicKey): string {
  return Array.from(key, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Parses {@link publicKeyToHex} output (e.g. a pinned key from a config file).
 * Throws MultiplayerError INVALID_ARGUMENT when it is not a valid serialized key.
 *
 * @example
 * ```ts
 * import { publicKeyFromHex, publicKeyToHex } from "./public_key.ts";
 * const hex = "03" + "ab".repeat(32);
 * console.log(publicKeyToHex(publicKeyFromHex(hex)) === hex); // true
 * ```
 */
export function publicKeyFromHex(hex: string): SerializedPublicKey {
  const bytes = new Uint8Array(hex.length >> 1);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  if (!/^([0-9a-fA-F]{2})+$/.test(hex) || !decodePublicKey(bytes)) {
    throw new MultiplayerError("INVALID_ARGUMENT", "not a serialized public key in hex");
  }
  return bytes;
}
