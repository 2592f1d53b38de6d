/**
 * Optional datagram encryption (issue 4), WebCrypto parts: ephemeral key agreement (X25519, or
 * P-256 ECDH where X25519 is missing) and server authentication (Ed25519 / ECDSA P-256 signature
 * over the transcript checked against a pinned key, or a pre-shared key). The datagrams
 * themselves are sealed synchronously by the pure {@link SecureChannel}
 * (`protocol/security/secure_channel.ts`, ChaCha20-Poly1305); the key schedule is
 * `protocol/security/key_schedule.ts`.
 *
 * @module
 */
import { DisconnectReason, MultiplayerError } from "../../protocol/errors.ts";
import {
  deriveTrafficSecrets,
  type HandshakeTranscript,
  serverAuthMessage,
  transcriptHash,
} from "../../protocol/security/key_schedule.ts";
import {
  decodePublicKey,
  encodePublicKey,
  KeyAlgorithm,
  type SerializedPublicKey,
} from "../../protocol/security/public_key.ts";
import { SecureChannel } from "../../protocol/security/secure_channel.ts";

export {
  decodePublicKey,
  encodePublicKey,
  KeyAlgorithm,
  publicKeyFromHex,
  publicKeyToHex,
  type SerializedPublicKey,
} from "../../protocol/security/public_key.ts";
export { SecureChannel } from "../../protocol/security/secure_channel.ts";

const ECDSA = { name: "ECDSA", hash: "SHA-256" } as const;
// WebCrypto copies its inputs, so a view is passed as is; the cast only narrows the TS buffer
// type, our arrays never sit on a SharedArrayBuffer
const view = (u: Uint8Array) => u as Uint8Array<ArrayBuffer>;

/**
 * A handshake failed for a cryptographic reason (wrong pinned key, bad public key, ...).
 * `reason` is what the connection reports in `connection_failed`.
 *
 * @example
 * ```ts
 * import { CryptoError } from "./channel.ts";
 * const e = new CryptoError("server key does not match the pinned key");
 * console.log(e.code, e.reason); // CRYPTO_ERROR 9
 * ```
 */
export class CryptoError extends MultiplayerError {
  /** Disconnect reason to report. */
  readonly reason: DisconnectReason = DisconnectReason.CRYPTO_ERROR;
  /** Creates the error with a descriptive message. */
  constructor(message: string) {
    super("CRYPTO_ERROR", message);
    this.name = "CryptoError";
  }
}

/** An ephemeral key-agreement pair; its private key never leaves WebCrypto. */
export interface EphemeralKeyPair {
  /** Private key (non-extractable). */
  readonly privateKey: CryptoKey;
  /** Serialized public key to send to the other side. */
  readonly publicKey: SerializedPublicKey;
}

/**
 * Generates a fresh ephemeral pair: X25519, or P-256 ECDH when X25519 is unavailable (or when
 * `prefer` says so).
 *
 * @example
 * ```ts
 * import { generateEphemeralKeyPair } from "./channel.ts";
 * const kp = await generateEphemeralKeyPair();
 * console.log(kp.publicKey.length); // 33 (X25519) or 66 (P-256)
 * ```
 */
export async function generateEphemeralKeyPair(
  prefer: "X25519" | "P-256" = "X25519",
): Promise<EphemeralKeyPair> {
  if (prefer === "X25519") {
    try {
      const kp = await crypto.subtle.generateKey({ name: "X25519" }, false, [
        "deriveBits",
      ]) as CryptoKeyPair;
      const raw = new Uint8Array(await crypto.subtle.exportKey("raw", kp.publicKey));
      return { privateKey: kp.privateKey, publicKey: encodePublicKey(KeyAlgorithm.X25519, raw) };
    } catch { /* fall through to P-256 */ }
  }
  const kp = await crypto.subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, false, [
    "deriveBits",
  ]) as CryptoKeyPair;
  const raw = new Uint8Array(await crypto.subtle.exportKey("raw", kp.publicKey));
  return { privateKey: kp.privateKey, publicKey: encodePublicKey(KeyAlgorithm.ECDH_P256, raw) };
}

/** A server's long-term signing identity; clients pin `publicKey`. */
export interface ServerIdentity {
  /** Signing key. */
  readonly privateKey: CryptoKey;
  /** Serialized verification key to distribute to clients. */
  readonly publicKey: SerializedPublicKey;
}

/**
 * Generates a long-term server identity: Ed25519, or ECDSA P-256 where Ed25519 is missing.
 *
 * @example
 * ```ts
 * import { generateServerIdentity, publicKeyToHex } from "./channel.ts";
 * const id = await generateServerIdentity();
 * console.log(publicKeyToHex(id.publicKey).length > 0); // true
 * ```
 */
export async function generateServerIdentity(
  prefer: "Ed25519" | "ECDSA-P256" = "Ed25519",
): Promise<ServerIdentity> {
  if (prefer === "Ed25519") {
    try {
      const kp = await crypto.subtle.generateKey({ name: "Ed25519" }, false, [
        "sign",
        "verify",
      ]) as CryptoKeyPair;
      const raw = new Uint8Array(await crypto.subtle.exportKey("raw", kp.publicKey));
      return { privateKey: kp.privateKey, publicKey: encodePublicKey(KeyAlgorithm.ED25519, raw) };
    } catch { /* fall through to ECDSA */ }
  }
  const kp = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, [
    "sign",
    "verify",
  ]) as CryptoKeyPair;
  const raw = new Uint8Array(await crypto.subtle.exportKey("raw", kp.publicKey));
  return { privateKey: kp.privateKey, publicKey: encodePublicKey(KeyAlgorithm.ECDSA_P256, raw) };
}

/**
 * Server side: signs the transcript (which contains both ephemeral keys) with its identity.
 *
 * @example
 * ```ts
 * import { generateServerIdentity, signTranscript } from "./channel.ts";
 * const id = await generateServerIdentity();
 * const sig = await signTranscript(id, {
 *   version: 1, clientNonce: 1, cookie: new Uint8Array(24), sessionId: 2,
 *   clientPublicKey: new Uint8Array(33), serverPublicKey: new Uint8Array(33),
 * });
 * console.log(sig.length); // 64
 * ```
 */
export async function signTranscript(
  identity: ServerIdentity,
  transcript: HandshakeTranscript,
): Promise<Uint8Array> {
  const msg = serverAuthMessage(transcriptHash(transcript));
  const alg = identity.publicKey[0] === KeyAlgorithm.ED25519 ? "Ed25519" : ECDSA;
  return new Uint8Array(await crypto.subtle.sign(alg, identity.privateKey, view(msg)));
}

/**
 * Client side: checks the server's signature against the pinned key. Throws {@link CryptoError}
 * when the pinned key is malformed or the signature does not verify (wrong server key, a
 * man-in-the-middle, or a transcript mismatch).
 *
 * @example
 * ```ts
 * import { generateServerIdentity, signTranscript, verifyServer } from "./channel.ts";
 * const id = await generateServerIdentity();
 * const t = {
 *   version: 1, clientNonce: 1, cookie: new Uint8Array(24), sessionId: 2,
 *   clientPublicKey: new Uint8Array(33), serverPublicKey: new Uint8Array(33),
 * };
 * await verifyServer(id.publicKey, t, await signTranscript(id, t)); // resolves
 * ```
 */
export async function verifyServer(
  pinnedKey: SerializedPublicKey,
  transcript: HandshakeTranscript,
  signature: Uint8Array,
): Promise<void> {
  const key = decodePublicKey(pinnedKey);
  if (
    !key || (key.algorithm !== KeyAlgorithm.ED25519 && key.algorithm !== KeyAlgorithm.ECDSA_P256)
  ) {
    throw new CryptoError("pinned server key is not an Ed25519/ECDSA P-256 public key");
  }
  const msg = serverAuthMessage(transcriptHash(transcript));
  let ok = false;
  try {
    const alg = key.algorithm === KeyAlgorithm.ED25519
      ? { name: "Ed25519" }
      : { name: "ECDSA", namedCurve: "P-256" };
    const verifyKey = await crypto.subtle.importKey("raw", view(key.raw), alg, false, [
      "verify",
    ]);
    const sigAlg = key.algorithm === KeyAlgorithm.ED25519 ? "Ed25519" : ECDSA;
    ok = await crypto.subtle.verify(sigAlg, verifyKey, view(signature), view(msg));
  } catch {
    ok = false;
  }
  if (!ok) throw new CryptoError("server signature does not verify against the pinned server key");
}

/** Options of {@link createSecureChannel}. */
export interface SecureChannelOptions {
  /** Which end this is; picks the send/receive key directions. */
  readonly role: "client" | "server";
  /** This end's ephemeral pair. */
  readonly ephemeral: EphemeralKeyPair;
  /** The other end's serialized ephemeral public key (untrusted until the handshake completes). */
  readonly peerPublicKey: SerializedPublicKey;
  /** The handshake transcript (both ends must build the same one). */
  readonly transcript: HandshakeTranscript;
  /** Optional pre-shared key mixed into the key derivation (authenticates both ends). */
  readonly psk?: Uint8Array;
}

/**
 * Runs the key agreement and derives the session's ChaCha20-Poly1305 keys into a synchronous
 * {@link SecureChannel}. Throws {@link CryptoError} for a malformed or mismatched peer key or a
 * degenerate (all-zero) shared secret.
 *
 * @example
 * ```ts
 * import { createSecureChannel, generateEphemeralKeyPair } from "./channel.ts";
 * const c = await generateEphemeralKeyPair(), s = await generateEphemeralKeyPair();
 * const transcript = {
 *   version: 1, clientNonce: 1, cookie: new Uint8Array(24), sessionId: 2,
 *   clientPublicKey: c.publicKey, serverPublicKey: s.publicKey,
 * };
 * const client = await createSecureChannel({ role: "client", ephemeral: c, peerPublicKey: s.publicKey, transcript });
 * const server = await createSecureChannel({ role: "server", ephemeral: s, peerPublicKey: c.publicKey, transcript });
 * const header = new Uint8Array([1, 2, 3]);
 * const sealed = client.seal(header, new Uint8Array([42]), 0);
 * console.log(server.open(header, sealed, 0)?.[0]); // 42
 * ```
 */
export async function createSecureChannel(options: SecureChannelOptions): Promise<SecureChannel> {
  const own = decodePublicKey(options.ephemeral.publicKey);
  const peer = decodePublicKey(options.peerPublicKey);
  if (!own || !peer || own.algorithm !== peer.algorithm) {
    throw new CryptoError("peer ephemeral key is malformed or uses another algorithm");
  }
  let shared: Uint8Array;
  try {
    const alg = peer.algorithm === KeyAlgorithm.X25519
      ? { name: "X25519" }
      : { name: "ECDH", namedCurve: "P-256" };
    const peerKey = await crypto.subtle.importKey("raw", view(peer.raw), alg, false, []);
    shared = new Uint8Array(
      await crypto.subtle.deriveBits(
        { name: alg.name, public: peerKey },
        options.ephemeral.privateKey,
        256,
      ),
    );
  } catch (e) {
    throw new CryptoError(`key agreement failed: ${(e as Error).message}`);
  }
  // small-order X25519 points give an all-zero secret that an attacker can predict
  if (shared.every((b) => b === 0)) throw new CryptoError("degenerate shared secret");
  const secrets = deriveTrafficSecrets(shared, transcriptHash(options.transcript), options.psk);
  shared.fill(0);
  return SecureChannel.fromSecrets(options.role, secrets); // wipes the raw keys
}
