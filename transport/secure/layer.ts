/**
 * The asynchronous half of the handshake and the optional datagram encryption, between a
 * {@link PeerDriver} and its transport. The protocol host stays pure: it parks handshakes and
 * exposes transcripts; this layer runs the auth hook and the WebCrypto key exchange, and seals
 * and opens datagrams with the session's pure, synchronous {@link SecureChannel}.
 *
 * A sealed datagram (layout in `protocol/security/sealed_header.ts`) carries ChaCha20-Poly1305(the
 * whole DATA or DISCONNECT datagram). Packet numbers count up per direction from a separate
 * counter, so a nonce is never reused; the receiver accepts each at most once (any order within a
 * replay window). Sealing and opening happen inline, so datagrams keep their order both ways.
 * Once a session has keys, a DISCONNECT in clear for it is dropped: an on-path attacker who saw
 * the session id cannot end the session.
 *
 * @module
 */
import { PROTOCOL_VERSION } from "../../protocol/constants.ts";
import { DisconnectReason } from "../../protocol/errors.ts";
import { peekPacketType } from "../../protocol/wire/frame.ts";
import { PacketType } from "../../protocol/wire/handshake.ts";
import type { Host } from "../../protocol/host/host.ts";
import type { AcceptVerification } from "../../protocol/host/client_handshake.ts";
import { sameAddress } from "../../protocol/address.ts";
import { type HandshakeTranscript, transcriptHash } from "../../protocol/security/key_schedule.ts";
import { KeyAlgorithm } from "../../protocol/security/public_key.ts";
import type { HandshakeRequest } from "../../protocol/host/server_handshake.ts";
import type { DriverContext, DriverLayer } from "../driver.ts";
import {
  createSecureChannel,
  CryptoError,
  type EphemeralKeyPair,
  generateEphemeralKeyPair,
  type ServerIdentity,
  signTranscript,
  verifyServer,
} from "./channel.ts";
import type { PeerAddress } from "../../protocol/address.ts";
import type { AuthenticateHook } from "./authenticate.ts";
import {
  PACKET_TYPE_SEALED,
  readSealedSession,
  SEALED_OVERHEAD,
  sessionOf,
} from "../../protocol/security/sealed_header.ts";
import type { SecureChannel } from "../../protocol/security/secure_channel.ts";

export type { AuthenticateHook, AuthenticateInfo, AuthenticateResult } from "./authenticate.ts";
export {
  PACKET_TYPE_SEALED,
  SEALED_HEADER_BYTES,
  SEALED_OVERHEAD,
} from "../../protocol/security/sealed_header.ts";

const EMPTY = new Uint8Array(0);
/** Initial size of the reused plaintext buffer (grown to the largest datagram opened). */
const PLAIN_BUFFER_BYTES = 1280;

/** Settings of a {@link SecureLayer}. */
export interface SecureLayerOptions {
  /** Which end this is. */
  readonly role: "server" | "client";
  /** Encrypt DATA datagrams (both ends must agree). */
  readonly encryption: boolean;
  /** Servers: the authentication hook. */
  readonly authenticate?: AuthenticateHook;
  /** Servers: how long the hook may take (ms; default 3000). */
  readonly authenticateTimeoutMs?: number;
  /** Servers: long-term identity that signs the transcript (clients pin its public key). */
  readonly serverIdentity?: ServerIdentity;
  /** Clients: the server's pinned public key (signature must verify against it). */
  readonly serverPublicKey?: Uint8Array;
  /** Optional pre-shared key mixed into the keys (both ends). */
  readonly preSharedKey?: Uint8Array;
  /** Clients: the ephemeral pair whose public key the host sends in CONNECT. */
  readonly ephemeral?: EphemeralKeyPair;
}

/** Counters of what the layer dropped. */
export interface SecureLayerCounters {
  /** Sealed datagrams that failed to open (tampered, forged, wrong keys, replayed). */
  openFailed: number;
  /**
   * Datagrams dropped before decryption (unknown session, wrong address, clear DATA, a clear
   * DISCONNECT for a keyed session).
   */
  dropped: number;
  /** Datagrams sealed. */
  sealed: number;
}

interface Session {
  readonly channel: SecureChannel;
  readonly address: PeerAddress | undefined;
  /** The host has been told that this session's keys work (first datagram opened). */
  confirmed: boolean;
}

const TIMED_OUT: unique symbol = Symbol("timed out");

/**
 * The security layer of one peer. Created by the UDP peer when `encryption` or `authenticate` is
 * set; see `SecureLayerOptions`.
 *
 * @example
 * ```ts
 * import { SecureLayer } from "./layer.ts";
 * const layer = new SecureLayer({ role: "server", encryption: false, authenticate: () => true });
 * console.log(layer.counters.sealed); // 0
 * await layer.close();
 * ```
 */
export class SecureLayer implements DriverLayer {
  /** What was dropped or sealed. */
  readonly counters: SecureLayerCounters = { openFailed: 0, dropped: 0, sealed: 0 };
  readonly #o: SecureLayerOptions;
  readonly #sessions = new Map<number, Session>();
  readonly #work = new Set<Promise<unknown>>();
  #host?: Host;
  #now: () => number = () => 0;
  #touch: () => void = () => {};
  #input: (bytes: Uint8Array, from: PeerAddress) => void = () => {};
  #send: (bytes: Uint8Array, to: PeerAddress) => boolean = () => false;
  #plain = new Uint8Array(0); // opened datagrams, each only valid during its host call
  #closed = false;
  #onClose: () => void = () => {};
  readonly #closedSignal = new Promise<void>((resolve) => this.#onClose = resolve);

  /** Creates the layer; it is attached to a driver by `PeerDriver`. */
  constructor(options: SecureLayerOptions) {
    this.#o = options;
  }

  /** @internal Called once by the driver. */
  attach(context: DriverContext): void {
    this.#host = context.host;
    this.#now = () => context.now();
    this.#touch = () => context.touch();
    this.#input = (bytes, from) => context.input(bytes, from);
    this.#send = (bytes, to) => context.send(bytes, to);
  }

  /** @internal Takes a received datagram before the host; true = consumed here. */
  receive(bytes: Uint8Array, from: PeerAddress): boolean {
    if (!this.#o.encryption) return false;
    if (this.#closed) return true; // nothing reaches the host after close
    const type = peekPacketType(bytes);
    if (type === 0 || (type === PacketType.DISCONNECT && this.#keyedClear(bytes))) {
      this.counters.dropped++; // neither may travel in clear once a session has keys
      return true;
    }
    if (type !== PACKET_TYPE_SEALED) return false; // handshake datagrams stay in clear
    const session = readSealedSession(bytes);
    const s = session < 0 ? undefined : this.#sessions.get(session);
    if (!s || bytes.length < SEALED_OVERHEAD || (s.address && !sameAddress(s.address, from))) {
      this.counters.dropped++;
      return true;
    }
    const need = bytes.length - SEALED_OVERHEAD;
    if (need > this.#plain.length) this.#plain = new Uint8Array(Math.max(need, PLAIN_BUFFER_BYTES));
    const n = s.channel.openDatagram(bytes, this.#plain);
    const plain = n < 0 ? undefined : this.#plain.subarray(0, n);
    if (!plain || sessionOf(plain) !== session) {
      this.counters.openFailed++; // forged, tampered, replayed, or another session inside
      return true;
    }
    if (!s.confirmed) {
      // it opened: the client holds the same keys
      const host = this.#host!;
      host.confirmSession(session, this.#now());
      s.confirmed = !host.awaitingConfirmation(session);
    }
    this.#input(plain, from); // the host copies what it keeps: the buffer is reused
    return true;
  }

  /**
   * @internal Sends one outgoing datagram, sealing DATA and DISCONNECT inline (so order is
   * kept). DISCONNECT goes in clear only while this end has no keys (neither has the peer's
   * key confirmation arrived here, so the peer may have none either).
   */
  send(bytes: Uint8Array, to: PeerAddress): void {
    const type = this.#o.encryption ? peekPacketType(bytes) : -1;
    if (type === 0 || type === PacketType.DISCONNECT) {
      const session = sessionOf(bytes);
      const s = this.#sessions.get(session);
      if (!s) {
        if (type === PacketType.DISCONNECT) this.#send(bytes, to);
        return; // no keys (yet or any more): DATA never goes in clear
      }
      this.counters.sealed++;
      this.#send(s.channel.sealDatagram(session, bytes), to);
      return;
    }
    this.#send(bytes, to);
  }

  /** @internal End of a flush: starts pending handshake work. */
  flushed(): void {
    const host = this.#host;
    if (!host || this.#closed) return;
    for (let r = host.pollHandshake(); r; r = host.pollHandshake()) this.#track(this.#decide(r));
    const v = host.pollVerification();
    if (v) this.#track(this.#verify(v));
    if (this.#sessions.size > host.peerCount) this.#prune();
  }

  /** @internal Waits for in-flight crypto and sends, then stops. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#onClose();
    while (this.#work.size > 0) await Promise.allSettled([...this.#work]);
    for (const s of this.#sessions.values()) s.channel.wipe();
    this.#sessions.clear();
  }

  #track(p: Promise<unknown>): void {
    const done = p.then(() => {}, () => {});
    this.#work.add(done);
    done.then(() => this.#work.delete(done));
  }

  // Server: auth hook, then (with encryption) key exchange, then accept or reject.
  async #decide(r: HandshakeRequest): Promise<void> {
    const host = this.#host!;
    try {
      const hook = this.#o.authenticate;
      if (hook) {
        const info = { address: r.address.hostname, port: r.address.port, payload: r.token };
        const limit = this.#o.authenticateTimeoutMs ?? 3000;
        let timer: ReturnType<typeof setTimeout> | undefined;
        const late = new Promise<typeof TIMED_OUT>((resolve) => {
          timer = setTimeout(() => resolve(TIMED_OUT), limit);
        });
        const verdict = await Promise.race([
          Promise.resolve().then(() => hook(info)),
          this.#closedSignal.then(() => undefined),
          late,
        ]).finally(() => clearTimeout(timer));
        if (this.#closed) return;
        if (verdict === TIMED_OUT) {
          const why = `the server's authentication hook did not answer within ${limit} ms`;
          host.rejectHandshake(r.ticket, DisconnectReason.AUTH_REJECTED, why, this.#now());
          return;
        }
        if (verdict !== true) {
          const why = typeof verdict === "object" && verdict !== null &&
              typeof verdict.reject === "string"
            ? verdict.reject
            : "rejected by the server's authentication hook";
          host.rejectHandshake(r.ticket, DisconnectReason.AUTH_REJECTED, why, this.#now());
          return;
        }
      }
      if (!this.#o.encryption || !r.clientPublicKey) {
        host.acceptHandshake(r.ticket, undefined, this.#now());
        return;
      }
      const clientKey = r.clientPublicKey;
      const eph = await generateEphemeralKeyPair(
        clientKey[0] === KeyAlgorithm.X25519 ? "X25519" : "P-256",
      );
      const transcript: HandshakeTranscript = {
        version: PROTOCOL_VERSION,
        clientNonce: r.clientNonce,
        cookie: r.cookie,
        sessionId: r.sessionId,
        clientPublicKey: clientKey,
        serverPublicKey: eph.publicKey,
      };
      const channel = await createSecureChannel({
        role: "server",
        ephemeral: eph,
        peerPublicKey: clientKey,
        transcript,
        psk: this.#o.preSharedKey,
      });
      // pn 0 of server->client proves both ends derived the same keys (PSK mismatch shows here)
      const confirmation = channel.seal(transcriptHash(transcript), EMPTY, 0);
      const identity = this.#o.serverIdentity;
      const signature = identity ? await signTranscript(identity, transcript) : EMPTY;
      if (this.#closed) return;
      this.#sessions.set(r.sessionId, { channel, address: r.address, confirmed: false });
      const crypto = { serverPublicKey: eph.publicKey, confirmation, signature };
      if (host.acceptHandshake(r.ticket, crypto, this.#now()) === undefined) {
        this.#sessions.delete(r.sessionId);
        channel.wipe();
      }
    } catch (e) {
      if (this.#closed) return;
      const crypto = e instanceof CryptoError;
      host.rejectHandshake(
        r.ticket,
        crypto ? DisconnectReason.CRYPTO_ERROR : DisconnectReason.AUTH_REJECTED,
        crypto ? e.message : `authentication failed: ${(e as Error)?.message ?? e}`,
        this.#now(),
      );
    } finally {
      this.#touch();
    }
  }

  // Client: check the server's signature and the key confirmation, then connect. The ACCEPT
  // may answer any CONNECT of the attempt: each cookie it carried is tried, newest first.
  async #verify(v: AcceptVerification): Promise<void> {
    const host = this.#host!;
    try {
      let channel: SecureChannel | undefined, failure: unknown;
      for (const cookie of v.cookies.length > 0 ? v.cookies : [v.cookie]) {
        try {
          channel = await this.#verifyWith(v, cookie);
          break;
        } catch (e) {
          failure ??= e; // the newest cookie's reason is the one reported
        }
      }
      if (!channel) throw failure;
      if (this.#closed) return;
      this.#sessions.set(v.sessionId, { channel, address: undefined, confirmed: true });
      host.completeVerification(true, "", this.#now());
    } catch (e) {
      if (this.#closed) return;
      const message = e instanceof Error ? e.message : String(e);
      host.completeVerification(false, message, this.#now());
    } finally {
      this.#touch();
    }
  }

  async #verifyWith(v: AcceptVerification, cookie: Uint8Array): Promise<SecureChannel> {
    const eph = this.#o.ephemeral;
    if (!eph) throw new CryptoError("client has no ephemeral key");
    const transcript: HandshakeTranscript = {
      version: PROTOCOL_VERSION,
      clientNonce: v.clientNonce,
      cookie,
      sessionId: v.sessionId,
      clientPublicKey: eph.publicKey,
      serverPublicKey: v.body.crypto.serverPublicKey,
    };
    const pinned = this.#o.serverPublicKey;
    if (pinned) await verifyServer(pinned, transcript, v.body.crypto.signature);
    const channel = await createSecureChannel({
      role: "client",
      ephemeral: eph,
      peerPublicKey: v.body.crypto.serverPublicKey,
      transcript,
      psk: this.#o.preSharedKey,
    });
    if (!channel.open(transcriptHash(transcript), v.body.crypto.confirmation, 0)) {
      channel.wipe();
      throw new CryptoError(
        "key confirmation failed: pre-shared key mismatch, another encryption version, or " +
          "tampering",
      );
    }
    return channel;
  }

  // a clear DISCONNECT for a session with keys, unless its client never confirmed them (a
  // failed key confirmation leaves the client without keys: it can only say goodbye in clear)
  #keyedClear(bytes: Uint8Array): boolean {
    const session = sessionOf(bytes);
    return this.#sessions.has(session) && !this.#host?.awaitingConfirmation(session);
  }

  #prune(): void {
    const host = this.#host!;
    for (const [session, s] of this.#sessions) {
      if (host.entryBySession(session)) continue;
      s.channel.wipe();
      this.#sessions.delete(session);
    }
  }
}
