/**
 * Optional datagram encryption (issue 4), WebCrypto parts: ephemeral key agreement (X25519, or
 * P-256 ECDH where X25519 is missing), server authentication (Ed25519 / ECDSA P-256 signature
 * over the transcript checked against a pinned key, or a pre-shared key), and AES-256-GCM
 * sealing with per-packet nonces. The pure key schedule is `protocol/security/key_schedule.ts`.
 *
 * @module
 */
import { DisconnectReason, MultiplayerError } from "../../protocol/errors.ts";
import {
  AEAD_NONCE_BYTES,
  AEAD_TAG_BYTES,
  deriveTrafficSecrets,
  type HandshakeTranscript,
  packetNonce,
  serverAuthMessage,
  transcriptHash,
} from "../../protocol/security/key_schedule.ts";
import {
  decodePublicKey,
  encodePublicKey,
  KeyAlgorithm,
  type SerializedPublicKey,
} from "../../protocol/security/public_key.ts";
import { ReplayWindow } from "../../protocol/security/replay_window.ts";

export {
  decodePublicKey,
  encodePublicKey,
  KeyAlgorithm,
  publicKeyFromHex,
  publicKeyToHex,
  type SerializedPublicKey,
} from "../../protocol/security/public_key.ts";

const ECDSA = { name: "ECDSA", hash: "SHA-256" } as const;
// WebCrypto copies its inputs, so a view is passed as is (no extra per-packet copy); the cast
// only narrows the TS buffer type, our arrays never sit on a SharedArrayBuffer
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
 * Derives the session's AES-256-GCM keys. Throws {@link CryptoError} for a malformed or
 * mismatched peer key or a degenerate (all-zero) shared secret.
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
 * const sealed = await client.seal(header, new Uint8Array([42]), 0);
 * console.log((await server.open(header, sealed, 0))?.[0]); // 42
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
  const importAes = (raw: Uint8Array) =>
    crypto.subtle.importKey("raw", view(raw), { name: "AES-GCM" }, false, ["encrypt", "decrypt"]);
  const c2s = await importAes(secrets.clientToServerKey);
  const s2c = await importAes(secrets.serverToClientKey);
  secrets.clientToServerKey.fill(0);
  secrets.serverToClientKey.fill(0);
  return options.role === "client"
    ? new SecureChannel(c2s, secrets.clientToServerIv, s2c, secrets.serverToClientIv)
    : new SecureChannel(s2c, secrets.serverToClientIv, c2s, secrets.clientToServerIv);
}

/**
 * One connection's AEAD state. Build it with {@link createSecureChannel}.
 *
 * @example
 * ```ts
 * import { createSecureChannel, generateEphemeralKeyPair } from "./channel.ts";
 * const c = await generateEphemeralKeyPair(), s = await generateEphemeralKeyPair();
 * const t = {
 *   version: 1, clientNonce: 1, cookie: new Uint8Array(24), sessionId: 2,
 *   clientPublicKey: c.publicKey, serverPublicKey: s.publicKey,
 * };
 * const ch = await createSecureChannel({ role: "client", ephemeral: c, peerPublicKey: s.publicKey, transcript: t });
 * console.log((await ch.seal(new Uint8Array(4), new Uint8Array(10), 1)).length); // 26
 * ```
 */
export class SecureChannel {
  readonly #sendKey: CryptoKey;
  readonly #sendIv: Uint8Array;
  readonly #recvKey: CryptoKey;
  readonly #recvIv: Uint8Array;
  readonly #replay = new ReplayWindow();
  // scratch nonces: WebCrypto copies its inputs when called, so one buffer per direction is enough
  readonly #sealNonce = new Uint8Array(AEAD_NONCE_BYTES);
  readonly #openNonce = new Uint8Array(AEAD_NONCE_BYTES);
  #lastSealed = -1;

  /** Use {@link createSecureChannel}; keys are AES-GCM CryptoKeys, IVs 12 bytes. */
  constructor(sendKey: CryptoKey, sendIv: Uint8Array, recvKey: CryptoKey, recvIv: Uint8Array) {
    if (sendIv.length !== AEAD_NONCE_BYTES || recvIv.length !== AEAD_NONCE_BYTES) {
      throw new MultiplayerError("INVALID_ARGUMENT", "secure channel IVs must be 12 bytes");
    }
    this.#sendKey = sendKey;
    this.#sendIv = sendIv;
    this.#recvKey = recvKey;
    this.#recvIv = recvIv;
  }

  /** Highest packet number sealed so far (-1 before the first). */
  get lastSealedPacketNumber(): number {
    return this.#lastSealed;
  }

  /**
   * Encrypts `plaintext`, authenticating `header` too (sent in clear, e.g. session id and
   * sequence). Returns ciphertext + 16-byte tag. `packetNumber` must be strictly greater than
   * the previous call's, so a nonce is never reused: otherwise throws MultiplayerError
   * INVALID_ARGUMENT (checked synchronously, before any await).
   */
  seal(header: Uint8Array, plaintext: Uint8Array, packetNumber: number): Promise<Uint8Array> {
    if (!(packetNumber > this.#lastSealed)) {
      throw new MultiplayerError(
        "INVALID_ARGUMENT",
        `packet number ${packetNumber} not above last sealed ${this.#lastSealed}: nonce reuse`,
      );
    }
    const iv = view(packetNonce(this.#sendIv, packetNumber, this.#sealNonce));
    this.#lastSealed = packetNumber;
    return crypto.subtle.encrypt(
      { name: "AES-GCM", iv, additionalData: view(header), tagLength: AEAD_TAG_BYTES * 8 },
      this.#sendKey,
      view(plaintext),
    ).then((ct) => new Uint8Array(ct));
  }

  /**
   * Decrypts a sealed body. Resolves undefined (never rejects) when the body, header or packet
   * number was tampered with, the input is malformed, or the packet number was already opened
   * or fell more than `REPLAY_WINDOW` behind the highest one: the datagram must then be dropped.
   * Packet numbers may arrive in any order within the window; only authentic ones move it.
   */
  async open(
    header: Uint8Array,
    sealed: Uint8Array,
    packetNumber: number,
  ): Promise<Uint8Array | undefined> {
    if (sealed.length < AEAD_TAG_BYTES || !this.#replay.check(packetNumber)) return undefined;
    try {
      const iv = view(packetNonce(this.#recvIv, packetNumber, this.#openNonce));
      const pt = await crypto.subtle.decrypt(
        { name: "AES-GCM", iv, additionalData: view(header), tagLength: AEAD_TAG_BYTES * 8 },
        this.#recvKey,
        view(sealed),
      );
      // two copies may be decrypting at once: only the first to finish counts
      return this.#replay.mark(packetNumber) ? new Uint8Array(pt) : undefined;
    } catch {
      return undefined;
    }
  }
}
