/**
 * Server side of the handshake, driven by the {@link Host}: stateless until a client echoes a
 * valid cookie (`security/cookie.ts`), rate limited per source (`security/rate_limiter.ts`),
 * optionally parked for an asynchronous step (authentication hook, key exchange) that the
 * transport layer completes with {@link ServerHandshake.accept} / {@link ServerHandshake.reject}.
 *
 * @module
 */
import { ConnectionStatus, MAX_PEER_ID, PROTOCOL_VERSION } from "../constants.ts";
import { type AcceptCrypto, decodeConnectPayload, encodeAcceptBody } from "../wire/control.ts";
import { DisconnectReason } from "../errors.ts";
import {
  decodeHandshake,
  encodeAccept,
  encodeChallenge,
  encodeReject,
  MIN_HANDSHAKE_SIZE,
  PacketType,
  toReason,
} from "../wire/handshake.ts";
import type { HandshakeHost } from "./_handshake_host.ts";
import type { ResolvedHostOptions } from "./options.ts";
import { CookieAuthority } from "../security/cookie.ts";
import { RateLimiter } from "../security/rate_limiter.ts";
import { addressKey, copyAddress, type PeerAddress, sameAddress } from "../address.ts";

/**
 * A CONNECT with a valid cookie, parked until the transport layer decides. Byte fields are
 * copies owned by the request.
 */
export interface HandshakeRequest {
  /** Handle for `Host.acceptHandshake` / `Host.rejectHandshake`. */
  readonly ticket: number;
  /** The client's (cookie-verified) address. */
  readonly address: PeerAddress;
  /** The client's application token (`authPayload`; may be empty). */
  readonly token: Uint8Array;
  /** The client's ephemeral public key, when it asked for encryption. */
  readonly clientPublicKey?: Uint8Array;
  /** Client nonce of the attempt (transcript). */
  readonly clientNonce: number;
  /** The echoed cookie (transcript). */
  readonly cookie: Uint8Array;
  /** Session id reserved for the connection (transcript). */
  readonly sessionId: number;
}

/** Counters of what the server handshake dropped or refused (for tests and stats). */
export interface HandshakeCounters {
  /** Requests dropped by the connect rate limiter. */
  rateLimited: number;
  /** CONNECTs whose cookie did not verify (forged, other address, rotated out). */
  invalidCookies: number;
  /** CONNECTs with an authentic but expired cookie (answered with a fresh CHALLENGE). */
  expiredCookies: number;
  /** CONNECTs replaying a consumed cookie (answered with the recorded reply or REJECT). */
  replayedCookies: number;
  /** Handshake datagrams dropped as malformed, unpadded or unexpected. */
  malformed: number;
  /** Decisions that came after the client stopped retrying: the client was not admitted. */
  abandoned: number;
}

interface Outcome {
  state: "pending" | "done";
  id: number;
  sessionId: number;
  reply?: Uint8Array;
  lastSeen: number; // time of the attempt's latest CONNECT copy (a waiting client retransmits)
  copies: number; // CONNECT copies seen for the attempt
}

// The client retransmits CONNECT after 200, 400, 800, then every 1000 ms while it waits (see
// client_handshake.ts); a decision that comes later than the next copy was due (plus slack for
// the path) finds a client that gave up: it is never admitted.
const RETRY_FIRST_MS = 200, RETRY_MAX_MS = 1000, RETRY_SLACK_MS = 300;
function abandoned(o: Outcome, now: number): boolean {
  const gap = Math.min(RETRY_FIRST_MS * 2 ** Math.min(o.copies - 1, 10), RETRY_MAX_MS);
  return now - o.lastSeen > gap + RETRY_SLACK_MS;
}

interface Parked {
  readonly request: HandshakeRequest;
  readonly outcome: Outcome;
  readonly nonce: number;
  readonly expires: number;
}

/**
 * The server's handshake state: a cookie authority (secrets + bounded consumed set), a rate
 * limiter, and the parked requests. Nothing here grows with spoofed traffic: the limiter's table
 * and the consumed set are bounded, and entries are only made for valid cookies.
 *
 * @example
 * ```ts
 * import { Host } from "./host.ts";
 * const server = new Host({ role: "server", createConnection: () => { throw new Error(); } });
 * server.handleDatagram(new Uint8Array([1, 2, 3]), { hostname: "127.0.0.1", port: 5 }, 0);
 * console.log(server.pollTransmit(0), server.handshakeCounters?.malformed); // undefined 1
 * ```
 */
export class ServerHandshake {
  /** What was dropped or refused. */
  readonly counters: HandshakeCounters = {
    rateLimited: 0,
    invalidCookies: 0,
    expiredCookies: 0,
    replayedCookies: 0,
    malformed: 0,
    abandoned: 0,
  };
  readonly #host: HandshakeHost;
  readonly #options: ResolvedHostOptions;
  readonly #cookies: CookieAuthority<Outcome>;
  readonly #limiter: RateLimiter; // fresh requests (anyone can send them)
  readonly #proven: RateLimiter; // datagrams carrying a cookie (CONNECT, ABORT): favoured
  readonly #parked = new Map<number, Parked>();
  readonly #requests: HandshakeRequest[] = [];
  #ticket = 0;

  /** Binds the server handshake to its host. */
  constructor(host: HandshakeHost, options: ResolvedHostOptions) {
    this.#host = host;
    this.#options = options;
    this.#cookies = new CookieAuthority<Outcome>(options.random, {
      lifetimeMs: options.cookieTtlMs,
      rotationMs: Math.max(30_000, options.cookieTtlMs),
      maxConsumed: options.maxPendingHandshakes,
    });
    this.#limiter = new RateLimiter(options.connectRateLimit);
    // its own budget, so a flood of fresh requests never starves clients holding a cookie
    this.#proven = new RateLimiter(options.connectRateLimit);
  }

  /** Consumed cookies currently remembered (pending + recently completed handshakes). */
  get pendingCount(): number {
    return this.#cookies.consumedCount;
  }
  /** Sources tracked by the rate limiters (each bounded by its `maxKeys`). */
  get trackedSources(): number {
    return Math.max(this.#limiter.size, this.#proven.size);
  }

  /** Next parked request for the transport layer, in arrival order. */
  pollRequest(): HandshakeRequest | undefined {
    return this.#requests.shift();
  }

  /** Handles one non-DATA datagram. */
  handle(bytes: Uint8Array, from: PeerAddress, now: number): void {
    const p = decodeHandshake(bytes);
    if (!p) {
      this.counters.malformed++;
      return;
    }
    if (p.type === PacketType.DISCONNECT) {
      const entry = this.#host.entryBySession(p.sessionId);
      if (entry && sameAddress(entry.address, from)) {
        this.#host.removePeer(entry, toReason(p.reason), false, now);
      }
      return;
    }
    if (p.type === PacketType.ABORT) return this.#abort(p.nonce, p.cookie, from, now);
    const isRequest = p.type === PacketType.CONNECT_REQUEST;
    // unpadded requests are never answered: a reply could be larger than the request
    if ((!isRequest && p.type !== PacketType.CONNECT) || bytes.length < MIN_HANDSHAKE_SIZE) {
      this.counters.malformed++;
      return;
    }
    const key = addressKey(from);
    if (!(isRequest ? this.#limiter : this.#proven).allow(key, now)) {
      this.counters.rateLimited++;
      return;
    }
    const nonce = p.nonce;
    if (p.version !== PROTOCOL_VERSION) {
      return this.#reply(
        from,
        encodeReject(
          nonce,
          DisconnectReason.VERSION_MISMATCH,
          `server speaks protocol version ${PROTOCOL_VERSION}, client ${p.version}`,
        ),
      );
    }
    if (isRequest) {
      if (this.#refusal(from, nonce)) return;
      const cookie = this.#cookies.mint(key, nonce, PROTOCOL_VERSION, now);
      return this.#reply(from, encodeChallenge(nonce, cookie));
    }
    // CONNECT: nothing is allocated before the cookie proves the client owns its address
    const verdict = this.#cookies.verify(p.cookie, key, nonce, PROTOCOL_VERSION, now);
    if (verdict === "invalid") {
      this.counters.invalidCookies++;
      return;
    }
    if (verdict === "expired") {
      this.counters.expiredCookies++; // the client owned the address: let it retry at once
      const cookie = this.#cookies.mint(key, nonce, PROTOCOL_VERSION, now);
      return this.#reply(from, encodeChallenge(nonce, cookie));
    }
    // Consumption is keyed by the attempt (address + client nonce), not by the cookie: a
    // duplicated REQUEST yields two valid cookies for one attempt, which must not become two peers.
    const attempt = attemptKey(key, nonce);
    const previous = this.#cookies.consumedRecord(attempt, now);
    if (previous) return this.#replay(previous, from, nonce, now);
    if (this.#refusal(from, nonce)) return;
    const request = decodeConnectPayload(p.payload);
    if (!request) {
      return this.#reject(from, nonce, DisconnectReason.PROTOCOL_ERROR, "malformed CONNECT");
    }
    if (this.#options.encryption !== (request.publicKey !== undefined)) {
      const why = this.#options.encryption
        ? "server requires encryption (set encryption: true)"
        : "server does not enable encryption";
      return this.#reject(from, nonce, DisconnectReason.CRYPTO_ERROR, why);
    }
    const outcome: Outcome = {
      state: "pending",
      id: 0,
      sessionId: this.#newSession(),
      lastSeen: now,
      copies: 1,
    };
    if (!this.#cookies.markConsumed(attempt, now, outcome)) {
      // fail closed: forgetting a consumed cookie early would reopen a replay window
      return this.#reject(from, nonce, DisconnectReason.SERVER_FULL, "too many pending handshakes");
    }
    const address = copyAddress(from);
    if (!this.#options.asyncHandshake) {
      return void this.#complete(outcome, address, nonce, undefined, now);
    }
    this.#pruneParked(now);
    const ticket = ++this.#ticket;
    const parked: Parked = {
      request: {
        ticket,
        address,
        token: request.token.slice(),
        clientPublicKey: request.publicKey?.slice(),
        clientNonce: nonce,
        cookie: p.cookie.slice(),
        sessionId: outcome.sessionId,
      },
      outcome,
      nonce,
      expires: now + this.#options.cookieTtlMs,
    };
    this.#parked.set(ticket, parked);
    this.#requests.push(parked.request);
  }

  /**
   * Completes a parked request: assigns an id, sends ACCEPT (with `crypto` for an encrypted
   * session) and creates the connection. Returns the new peer's id, or undefined when the ticket
   * is unknown or expired, the client stopped retrying (it gave up: nothing is created), or the
   * server filled up meanwhile (the client then gets a REJECT).
   */
  accept(ticket: number, crypto: AcceptCrypto | undefined, now: number): number | undefined {
    const parked = this.#take(ticket, now);
    if (!parked) return undefined;
    const { address } = parked.request;
    if (abandoned(parked.outcome, now)) {
      this.counters.abandoned++;
      parked.outcome.state = "done"; // a late copy is refused as a replay
      return undefined;
    }
    if (this.#refusal(address, parked.nonce, parked.outcome)) return undefined;
    return this.#complete(parked.outcome, address, parked.nonce, crypto, now);
  }

  /** Rejects a parked request with `reason` and a readable `message` (cut to 96 bytes). */
  reject(ticket: number, reason: DisconnectReason, message: string, now: number): void {
    const parked = this.#take(ticket, now);
    if (!parked) return;
    this.#reject(parked.request.address, parked.nonce, reason, message, parked.outcome);
  }

  /** Forgets every parked request (server closing). */
  clear(): void {
    this.#parked.clear();
    this.#requests.length = 0;
    this.#limiter.clear();
    this.#proven.clear();
  }

  // insertion order == expiry order; an unanswered request is refused as a replay later
  #pruneParked(now: number): void {
    for (const [ticket, parked] of this.#parked) {
      if (parked.expires >= now) break;
      parked.outcome.state = "done";
      this.#parked.delete(ticket);
    }
  }

  #take(ticket: number, now: number): Parked | undefined {
    const parked = this.#parked.get(ticket);
    if (!parked) return undefined;
    this.#parked.delete(ticket);
    if (parked.outcome.state === "done") return undefined; // the client aborted meanwhile
    if (now > parked.expires || this.#host.status !== ConnectionStatus.CONNECTED) {
      parked.outcome.state = "done"; // a retried CONNECT is now refused as a replay
      return undefined;
    }
    return parked;
  }

  #complete(
    outcome: Outcome,
    address: PeerAddress,
    nonce: number,
    crypto: AcceptCrypto | undefined,
    now: number,
  ): number {
    const id = this.#newId();
    const body = encodeAcceptBody({
      id,
      channelCount: this.#host.channelCount,
      serverRelay: this.#host.serverRelay,
      timeoutMs: this.#options.timeoutMs,
      crypto,
    });
    outcome.state = "done";
    outcome.id = id;
    outcome.reply = encodeAccept(nonce, outcome.sessionId, body);
    this.#host.queueRaw(address, outcome.reply); // before the connection's first DATA
    // announced once the client proves it took the ACCEPT: its first datagram of the session
    // (encrypted: the first sealed one that opens). A client that gave up meanwhile never
    // answers and leaves silently: it is never seen as a peer.
    this.#host.addPeer(id, address, outcome.sessionId, now, false, crypto !== undefined);
    return id;
  }

  // The client gave up (its cookie proves the address): a pending decision will not admit it;
  // a peer already made for it (its ACCEPT was lost or late) is dropped. Nothing is answered.
  #abort(nonce: number, cookie: Uint8Array, from: PeerAddress, now: number): void {
    const key = addressKey(from);
    if (!this.#proven.allow(key, now)) {
      this.counters.rateLimited++;
      return;
    }
    if (this.#cookies.verify(cookie, key, nonce, PROTOCOL_VERSION, now) === "invalid") {
      this.counters.invalidCookies++;
      return;
    }
    const outcome = this.#cookies.consumedRecord(attemptKey(key, nonce), now);
    if (!outcome) return;
    if (outcome.state === "pending") {
      outcome.state = "done";
      this.counters.abandoned++;
      return;
    }
    const live = outcome.id === 0 ? undefined : this.#host.entryById(outcome.id);
    if (live && live.sessionId === outcome.sessionId && sameAddress(live.address, from)) {
      this.counters.abandoned++;
      this.#host.removePeer(live, DisconnectReason.CLOSED, false, now);
    }
  }

  // A consumed cookie again: a lost reply (same answer again) or a replay (refused).
  #replay(outcome: Outcome, from: PeerAddress, nonce: number, now: number): void {
    this.counters.replayedCookies++;
    if (outcome.state === "pending") {
      outcome.lastSeen = now; // still deciding: the client keeps retrying, so it still waits
      outcome.copies++;
      return;
    }
    const live = this.#host.entryById(outcome.id);
    if (outcome.reply && (outcome.id === 0 || live?.sessionId === outcome.sessionId)) {
      return this.#reply(from, outcome.reply);
    }
    this.#reject(from, nonce, DisconnectReason.PROTOCOL_ERROR, "handshake cookie already used");
  }

  #refusal(from: PeerAddress, nonce: number, outcome?: Outcome): boolean {
    if (this.#host.refuseNewConnections) {
      this.#reject(
        from,
        nonce,
        DisconnectReason.REFUSED,
        "server refuses new connections",
        outcome,
      );
      return true;
    }
    if (this.#host.peerCount >= this.#options.maxClients) {
      const why = `server is full (${this.#options.maxClients} clients)`;
      this.#reject(from, nonce, DisconnectReason.SERVER_FULL, why, outcome);
      return true;
    }
    return false;
  }

  #reject(
    from: PeerAddress,
    nonce: number,
    reason: DisconnectReason,
    message: string,
    outcome?: Outcome,
  ): void {
    const bytes = encodeReject(nonce, reason, message);
    if (outcome) {
      outcome.state = "done";
      outcome.reply = bytes;
    }
    this.#reply(from, bytes);
  }

  #reply(to: PeerAddress, bytes: Uint8Array): void {
    this.#host.queueRaw(copyAddress(to), bytes);
  }

  #newId(): number {
    const random = this.#options.random;
    for (;;) { // at most maxClients ids are taken out of 2^31: the first try almost always wins
      const id = 2 + (random.nextU32() % (MAX_PEER_ID - 1));
      if (!this.#host.entryById(id)) return id;
    }
  }

  #newSession(): number {
    for (;;) {
      const s = this.#options.random.nextU32();
      if (s !== 0 && !this.#host.entryBySession(s) && !this.#reserved(s)) return s;
    }
  }

  #reserved(session: number): boolean {
    if (this.#parked.size === 0) return false;
    for (const p of this.#parked.values()) if (p.request.sessionId === session) return true;
    return false;
  }
}

const attemptEncoder = new TextEncoder();
function attemptKey(addressKey: string, nonce: number): Uint8Array {
  return attemptEncoder.encode(`${addressKey}#${nonce}`);
}
