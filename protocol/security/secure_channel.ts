/**
 * One encrypted session's datagram protection: ChaCha20-Poly1305 in both directions with the
 * keys from the key schedule, per-packet nonces from a strictly increasing packet number, and
 * the anti-replay window. Pure and synchronous: the secure layer seals and opens inline, in
 * order. The key exchange that produces the keys is async WebCrypto (`transport/secure/`).
 *
 * @module
 */
import { MultiplayerError } from "../errors.ts";
import { ChaCha20Poly1305 } from "./aead.ts";
import {
  AEAD_NONCE_BYTES,
  AEAD_TAG_BYTES,
  MAX_PACKET_NUMBER,
  packetNonce,
  type TrafficSecrets,
} from "./key_schedule.ts";
import { REPLAY_WINDOW_WORDS, ReplayWindow } from "./replay_window.ts";
import {
  readPacketNumber,
  readSealedSession,
  SEALED_HEADER_BYTES,
  SEALED_OVERHEAD,
  writeSealedHeader,
} from "./sealed_header.ts";
import { takeSealedBuffer } from "./_sealed_slab.ts";

// nonce scratch: filled and consumed within one synchronous call
const nonce = new Uint8Array(AEAD_NONCE_BYTES);
// a channel's state: two expanded keys (8 words each), two IVs, then the replay bitmap
const REPLAY_OFFSET = 64 + 2 * AEAD_NONCE_BYTES;
const STATE_BYTES = REPLAY_OFFSET + 4 * REPLAY_WINDOW_WORDS;

/**
 * Both directions of one session. Build it with {@link SecureChannel.fromSecrets} (or from raw
 * keys). Sealing refuses to reuse a nonce; opening refuses forgeries and replays.
 *
 * @example
 * ```ts
 * import { SecureChannel } from "./secure_channel.ts";
 * import { deriveTrafficSecrets } from "./key_schedule.ts";
 * const secrets = deriveTrafficSecrets(new Uint8Array(32).fill(1), new Uint8Array(32));
 * const client = SecureChannel.fromSecrets("client", secrets);
 * const server = SecureChannel.fromSecrets("server", secrets);
 * const datagram = new Uint8Array([0x94, 1, 2, 3]);
 * const sealed = client.sealDatagram(77, datagram);
 * const plain = new Uint8Array(64);
 * const n = server.openDatagram(sealed, plain);
 * console.log(sealed.length, n, plain[3]); // 39 4 3
 * console.log(server.openDatagram(sealed, plain)); // -1 (a replay)
 * ```
 */
export class SecureChannel {
  readonly #send: ChaCha20Poly1305;
  readonly #sendIv: Uint8Array;
  readonly #recv: ChaCha20Poly1305;
  readonly #recvIv: Uint8Array;
  readonly #replay: ReplayWindow;
  #lastSealed = -1;

  /**
   * Keys are 32 bytes and IVs 12 (throws MultiplayerError INVALID_ARGUMENT otherwise). The keys
   * are expanded and may be wiped by the caller afterwards; the IVs are copied.
   */
  constructor(sendKey: Uint8Array, sendIv: Uint8Array, recvKey: Uint8Array, recvIv: Uint8Array) {
    if (sendIv.length !== AEAD_NONCE_BYTES || recvIv.length !== AEAD_NONCE_BYTES) {
      throw new MultiplayerError("INVALID_ARGUMENT", "secure channel IVs must be 12 bytes");
    }
    // one allocation for the keys, IVs and replay bitmap: a server holds one channel per client,
    // and each typed array of its own costs more than its bytes
    const state = new ArrayBuffer(STATE_BYTES);
    this.#send = new ChaCha20Poly1305(sendKey, new Uint32Array(state, 0, 8));
    this.#recv = new ChaCha20Poly1305(recvKey, new Uint32Array(state, 32, 8));
    this.#sendIv = new Uint8Array(state, 64, AEAD_NONCE_BYTES);
    this.#sendIv.set(sendIv);
    this.#recvIv = new Uint8Array(state, 64 + AEAD_NONCE_BYTES, AEAD_NONCE_BYTES);
    this.#recvIv.set(recvIv);
    this.#replay = new ReplayWindow(new Uint32Array(state, REPLAY_OFFSET, REPLAY_WINDOW_WORDS));
  }

  /**
   * The channel of one end (`role` picks which direction it sends in). Wipes the keys in
   * `secrets` once expanded.
   */
  static fromSecrets(role: "client" | "server", secrets: TrafficSecrets): SecureChannel {
    const s = secrets;
    const channel = role === "client"
      ? new SecureChannel(
        s.clientToServerKey,
        s.clientToServerIv,
        s.serverToClientKey,
        s.serverToClientIv,
      )
      : new SecureChannel(
        s.serverToClientKey,
        s.serverToClientIv,
        s.clientToServerKey,
        s.clientToServerIv,
      );
    s.clientToServerKey.fill(0);
    s.serverToClientKey.fill(0);
    return channel;
  }

  /** Highest packet number sealed so far (-1 before the first). */
  get lastSealedPacketNumber(): number {
    return this.#lastSealed;
  }

  /**
   * Encrypts `plaintext`, authenticating `header` too (sent in clear). Returns a new array:
   * ciphertext then the 16-byte tag. `packetNumber` must be strictly greater than the previous
   * seal's, so a nonce is never reused: otherwise throws MultiplayerError INVALID_ARGUMENT.
   */
  seal(header: Uint8Array, plaintext: Uint8Array, packetNumber: number): Uint8Array {
    this.#claim(packetNumber);
    const out = new Uint8Array(plaintext.length + AEAD_TAG_BYTES);
    this.#send.seal(packetNonce(this.#sendIv, packetNumber, nonce), header, plaintext, out);
    return out;
  }

  /**
   * Decrypts a sealed body into a new array. Returns undefined (never throws) when the body,
   * header or packet number was tampered with, the input is malformed, or the packet number
   * was already opened or fell more than `REPLAY_WINDOW` behind the highest one. Packet
   * numbers may arrive in any order within the window; only authentic ones move it.
   */
  open(header: Uint8Array, sealed: Uint8Array, packetNumber: number): Uint8Array | undefined {
    if (sealed.length < AEAD_TAG_BYTES || !this.#replay.check(packetNumber)) return undefined;
    const out = new Uint8Array(sealed.length - AEAD_TAG_BYTES);
    const iv = packetNonce(this.#recvIv, packetNumber, nonce);
    if (this.#recv.open(iv, header, sealed, out) < 0) return undefined;
    this.#replay.mark(packetNumber);
    return out;
  }

  /**
   * Seals a whole datagram under the next packet number: returns the sealed datagram (clear
   * header for `session`, ciphertext, tag; {@link SEALED_OVERHEAD} bytes longer), in memory of
   * its own that is never written again (hand it to a transport as is).
   */
  sealDatagram(session: number, datagram: Uint8Array): Uint8Array {
    const pn = this.#lastSealed + 1;
    this.#claim(pn);
    const out = takeSealedBuffer(datagram.length + SEALED_OVERHEAD);
    writeSealedHeader(out, session, pn);
    const iv = packetNonce(this.#sendIv, pn, nonce);
    this.#send.sealAfterHeader(iv, out, SEALED_HEADER_BYTES, datagram);
    return out;
  }

  /**
   * Opens a sealed datagram (untrusted bytes) into `out` and returns the plaintext length, or
   * -1 (nothing written, window unchanged) when its header is malformed, it does not
   * authenticate, or its packet number was seen or is too old. `out` must have room for
   * `sealed.length - SEALED_OVERHEAD` bytes (throws MultiplayerError INVALID_ARGUMENT otherwise).
   * The session id is not checked here: the caller picked this channel by it.
   */
  openDatagram(sealed: Uint8Array, out: Uint8Array): number {
    if (sealed.length < SEALED_OVERHEAD || readSealedSession(sealed) < 0) return -1;
    const pn = readPacketNumber(sealed);
    if (!this.#replay.check(pn)) return -1;
    const iv = packetNonce(this.#recvIv, pn, nonce);
    const n = this.#recv.openAfterHeader(iv, sealed, SEALED_HEADER_BYTES, out);
    if (n >= 0) this.#replay.mark(pn);
    return n;
  }

  /** Overwrites both keys and IVs; the channel must not be used afterwards. */
  wipe(): void {
    this.#send.wipe();
    this.#recv.wipe();
    this.#sendIv.fill(0);
    this.#recvIv.fill(0);
    this.#lastSealed = MAX_PACKET_NUMBER; // any further seal is refused
  }

  #claim(packetNumber: number): void {
    if (!(packetNumber > this.#lastSealed) || !(packetNumber <= MAX_PACKET_NUMBER)) {
      throw new MultiplayerError(
        "INVALID_ARGUMENT",
        `packet number ${packetNumber} not above last sealed ${this.#lastSealed}: nonce reuse`,
      );
    }
    if (!Number.isInteger(packetNumber)) {
      throw new MultiplayerError("INVALID_ARGUMENT", `packet number ${packetNumber} not integer`);
    }
    this.#lastSealed = packetNumber;
  }
}
