/**
 * Client side of the handshake, driven by its host.
 *
 * @module
 */
import {
  type AcceptBody,
  decodeAcceptBody,
  encodeConnectPayload,
  encodeHello,
} from "../wire/control.ts";
import { DisconnectReason } from "../errors.ts";
import {
  decodeHandshake,
  encodeAbort,
  encodeConnect,
  encodeDisconnect,
  encodeRequest,
  PacketType,
  toReason,
} from "../wire/handshake.ts";
import type { HandshakeHost } from "./_handshake_host.ts";
import type { ResolvedHostOptions } from "./options.ts";
import { copyAddress, type PeerAddress, sameAddress } from "../address.ts";

/**
 * First retransmission interval of REQUEST/CONNECT; doubles up to RETRY_MAX_MS. The server relies
 * on this schedule to tell a client still waiting from one that gave up (server_handshake.ts).
 */
const RETRY_INITIAL_MS = 200;
const RETRY_MAX_MS = 1000;
/** Copies of the DISCONNECT sent after a failed verification (it is not retransmitted). */
const DISCONNECT_COPIES = 3;

type ClientState = "idle" | "requesting" | "connecting" | "verifying" | "done";

/**
 * An encrypted ACCEPT the transport layer must check (signature, key confirmation) before the
 * client counts as connected; see {@link Host.pollVerification}.
 */
export interface AcceptVerification {
  /** Client nonce of the attempt (transcript). */
  readonly clientNonce: number;
  /** Cookie echoed in the latest CONNECT (transcript). */
  readonly cookie: Uint8Array;
  /**
   * Every cookie this attempt sent a CONNECT with, newest first (at most 4): a retransmitted
   * REQUEST can bring a second cookie while the server is already answering the first, so the
   * ACCEPT's transcript may hold any of them.
   */
  readonly cookies: readonly Uint8Array[];
  /** Session id from the ACCEPT (transcript). */
  readonly sessionId: number;
  /** The decoded ACCEPT body; `crypto` is always present. */
  readonly body: AcceptBody & { readonly crypto: NonNullable<AcceptBody["crypto"]> };
}

/** Cookies of one attempt kept for verifying its ACCEPT. */
const MAX_COOKIES = 4;

/**
 * Client side: sends REQUEST, then CONNECT with the cookie, retransmitting with backoff until an
 * ACCEPT or REJECT arrives or `connectTimeoutMs` passes.
 *
 * @example
 * ```ts
 * import { Host } from "./host.ts";
 * const client = new Host({ role: "client", createConnection: () => { throw new Error(); } });
 * client.connect({ hostname: "127.0.0.1", port: 9 }, 0);
 * console.log(client.pollTransmit(0)?.bytes.length); // 128 (a padded REQUEST)
 * ```
 */
export class ClientHandshake {
  readonly #host: HandshakeHost;
  readonly #options: ResolvedHostOptions;
  #state: ClientState = "idle";
  #server: PeerAddress = { hostname: "", port: 0 };
  #nonce = 0;
  #cookie = new Uint8Array(0);
  #cookies: Uint8Array[] = []; // every cookie a CONNECT carried, newest first
  #deadline = 0;
  #nextSendAt = 0;
  #interval = RETRY_INITIAL_MS;
  #verifying?: { check: AcceptVerification; from: PeerAddress; polled: boolean };

  /** Binds the client handshake to its host. */
  constructor(host: HandshakeHost, options: ResolvedHostOptions) {
    this.#host = host;
    this.#options = options;
  }

  /** True once `start` was called (a client host connects once). */
  get used(): boolean {
    return this.#state !== "idle";
  }

  /** Starts connecting. */
  start(server: PeerAddress, now: number): void {
    this.#server = copyAddress(server);
    this.#nonce = this.#options.random.nextU32();
    this.#state = "requesting";
    this.#deadline = now + this.#options.connectTimeoutMs;
    this.#send(now);
  }

  /** Stops retransmitting (close). */
  stop(): void {
    if (this.#state !== "idle") this.#state = "done";
  }

  /** Handles one non-DATA datagram. */
  handle(bytes: Uint8Array, from: PeerAddress, now: number): void {
    const p = decodeHandshake(bytes);
    if (!p) return;
    if (p.type === PacketType.DISCONNECT) {
      const entry = this.#host.entryById(1);
      if (entry && entry.sessionId === p.sessionId && sameAddress(entry.address, from)) {
        this.#host.removePeer(entry, toReason(p.reason), false, now);
      }
      return;
    }
    const waiting = this.#state === "requesting" || this.#state === "connecting";
    if (!waiting || p.nonce !== this.#nonce) return; // the nonce guards against spoofed replies
    if (p.type === PacketType.CHALLENGE) {
      // a new cookie while connecting: ours expired on the way, retry with the fresh one
      if (this.#state === "connecting" && equalBytes(p.cookie, this.#cookie)) return;
      this.#cookie = p.cookie.slice();
      this.#cookies = [this.#cookie, ...this.#cookies.slice(0, MAX_COOKIES - 1)];
      this.#state = "connecting";
      this.#interval = RETRY_INITIAL_MS;
      this.#send(now);
    } else if (p.type === PacketType.ACCEPT) {
      const body = decodeAcceptBody(p.payload);
      if (!body) return;
      if (this.#options.encryption) {
        if (!body.crypto) {
          this.#state = "done";
          this.#host.failed(DisconnectReason.CRYPTO_ERROR, "server did not enable encryption");
          return;
        }
        this.#state = "verifying";
        const { serverPublicKey, confirmation, signature } = body.crypto;
        const crypto = { // copies: the fields are views into the (reused) receive buffer
          serverPublicKey: serverPublicKey.slice(),
          confirmation: confirmation.slice(),
          signature: signature.slice(),
        };
        const check = {
          clientNonce: this.#nonce,
          cookie: this.#cookie,
          cookies: this.#cookies,
          sessionId: p.sessionId,
          body: { ...body, crypto },
        };
        this.#verifying = { check, from: copyAddress(from), polled: false };
        return;
      }
      this.#state = "done";
      this.#host.accepted(body.id, body.channelCount, body.serverRelay, body.timeoutMs);
      const server = this.#host.addPeer(1, copyAddress(from), p.sessionId, now);
      // reliable, so it is retransmitted: the server announces us once it has one copy
      this.#host.sendSystem(server, encodeHello());
    } else if (p.type === PacketType.REJECT) {
      this.#state = "done";
      this.#host.failed(toReason(p.reason), p.message);
    }
  }

  /** The pending encrypted ACCEPT to verify, returned once. */
  pollVerification(): AcceptVerification | undefined {
    const v = this.#verifying;
    if (!v || v.polled || this.#state !== "verifying") return undefined;
    v.polled = true;
    return v.check;
  }

  /**
   * Ends verification: `ok` connects (emits `connection_succeeded`), otherwise the attempt fails
   * with CRYPTO_ERROR and `message`. Ignored unless verifying (e.g. the attempt timed out).
   */
  completeVerification(ok: boolean, message: string, now: number): void {
    const v = this.#verifying;
    if (!v || this.#state !== "verifying") return;
    this.#state = "done";
    this.#verifying = undefined;
    const { body, sessionId } = v.check;
    if (!ok) {
      // the server holds an unconfirmed session for us: release it now, not at its timeout
      for (let i = 0; i < DISCONNECT_COPIES; i++) {
        this.#host.queueRaw(v.from, encodeDisconnect(sessionId, DisconnectReason.CRYPTO_ERROR));
      }
      return this.#host.failed(DisconnectReason.CRYPTO_ERROR, message);
    }
    this.#host.accepted(body.id, body.channelCount, body.serverRelay, body.timeoutMs);
    const server = this.#host.addPeer(1, v.from, sessionId, now);
    // reliable, so it is retransmitted: the server announces us once one copy authenticates
    this.#host.sendSystem(server, encodeHello());
  }

  /** Retransmits or gives up. */
  handleTimeout(now: number): void {
    const verifying = this.#state === "verifying";
    if (this.#state !== "requesting" && this.#state !== "connecting" && !verifying) return;
    if (now >= this.#deadline) {
      this.#verifying = undefined;
      // holding a cookie, the server may still be deciding on us: tell it we are gone
      if (this.#state === "connecting" || verifying) {
        for (let i = 0; i < DISCONNECT_COPIES; i++) {
          this.#host.queueRaw(this.#server, encodeAbort(this.#nonce, this.#cookie));
        }
      }
      this.#state = "done";
      const { hostname, port } = this.#server;
      this.#host.failed(
        DisconnectReason.CONNECT_TIMEOUT,
        `no answer from ${hostname}:${port} within ${this.#options.connectTimeoutMs} ms`,
      );
    } else if (now >= this.#nextSendAt && !verifying) {
      this.#send(now);
    }
  }

  /** Next retransmission or give-up time; Infinity when idle. */
  pollTimeout(): number {
    if (this.#state === "verifying") return this.#deadline;
    const waiting = this.#state === "requesting" || this.#state === "connecting";
    return waiting ? Math.min(this.#nextSendAt, this.#deadline) : Infinity;
  }

  #send(now: number): void {
    const bytes = this.#state === "requesting" ? encodeRequest(this.#nonce) : encodeConnect(
      this.#nonce,
      this.#cookie,
      encodeConnectPayload({
        channelCount: this.#options.channelCount,
        token: this.#options.connectToken,
        publicKey: this.#options.encryption ? this.#options.clientPublicKey : undefined,
      }),
    );
    this.#host.queueRaw(this.#server, bytes);
    this.#nextSendAt = now + this.#interval;
    this.#interval = Math.min(this.#interval * 2, RETRY_MAX_MS);
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
