/**
 * The two sides of the handshake, driven by the {@link Host}. The server side is stateless until
 * a client echoes a valid cookie; only then does it allocate a connection.
 *
 * @module
 */
import { MAX_PEER_ID, PROTOCOL_VERSION } from "./constants.ts";
import {
  decodeAcceptBody,
  decodeConnectPayload,
  encodeAcceptBody,
  encodeConnectPayload,
} from "./control.ts";
import { DisconnectReason } from "./errors.ts";
import {
  CookieJar,
  decodeHandshake,
  encodeAccept,
  encodeChallenge,
  encodeConnect,
  encodeReject,
  encodeRequest,
  MIN_HANDSHAKE_SIZE,
  PacketType,
} from "./handshake.ts";
import type { Host } from "./host.ts";
import type { ResolvedHostOptions } from "./host_options.ts";
import { addressKey, type PeerAddress } from "../transport/transport.ts";

/** First retransmission interval of REQUEST/CONNECT; doubles up to RETRY_MAX_MS. */
const RETRY_INITIAL_MS = 200;
const RETRY_MAX_MS = 1000;

interface Consumed {
  readonly id: number;
  readonly sessionId: number;
  readonly expires: number;
  readonly accept: Uint8Array;
}

/** Copies an address so a transport may reuse its own objects. */
export function copyAddress(a: PeerAddress): PeerAddress {
  return a.transport === undefined
    ? { hostname: a.hostname, port: a.port }
    : { hostname: a.hostname, port: a.port, transport: a.transport };
}

/** Same hostname, port and carrier. */
export function sameAddress(a: PeerAddress, b: PeerAddress): boolean {
  return a.port === b.port && a.hostname === b.hostname &&
    (a.transport ?? "udp") === (b.transport ?? "udp");
}

function toReason(code: number): DisconnectReason {
  return (code >= 1 && code <= 10 ? code : DisconnectReason.PROTOCOL_ERROR) as DisconnectReason;
}

function hex(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += (b < 16 ? "0" : "") + b.toString(16);
  return s;
}

/**
 * Server side: answers REQUEST with a cookie, turns a valid CONNECT into a peer, handles
 * DISCONNECT. Consumed cookies are remembered until they expire so a duplicate CONNECT gets the
 * same ACCEPT again and a replay after the peer left is refused.
 *
 * @example
 * ```ts
 * import { Host } from "./host.ts";
 * const server = new Host({ role: "server", createConnection: () => { throw new Error(); } });
 * server.handleDatagram(new Uint8Array([1, 2, 3]), { hostname: "127.0.0.1", port: 5 }, 0);
 * console.log(server.pollTransmit(0)); // undefined: garbage gets no answer
 * ```
 */
export class ServerHandshake {
  readonly #host: Host;
  readonly #options: ResolvedHostOptions;
  readonly #jar: CookieJar;
  readonly #consumed = new Map<string, Consumed>();

  /** Binds the server handshake to its host. */
  constructor(host: Host, options: ResolvedHostOptions) {
    this.#host = host;
    this.#options = options;
    this.#jar = new CookieJar(options.random, options.cookieTtlMs);
  }

  /** Handles one non-DATA datagram. */
  handle(bytes: Uint8Array, from: PeerAddress, now: number): void {
    const p = decodeHandshake(bytes);
    if (!p) return;
    if (p.type === PacketType.DISCONNECT) {
      const entry = this.#host.entryBySession(p.sessionId);
      if (entry && sameAddress(entry.address, from)) {
        this.#host.removePeer(entry, toReason(p.reason), false, now);
      }
      return;
    }
    if (p.type !== PacketType.CONNECT_REQUEST && p.type !== PacketType.CONNECT) return;
    if (bytes.length < MIN_HANDSHAKE_SIZE) return; // unpadded: answering could amplify
    const nonce = p.nonce;
    if (p.version !== PROTOCOL_VERSION) {
      return this.#reject(from, nonce, DisconnectReason.VERSION_MISMATCH, [
        `server speaks protocol version ${PROTOCOL_VERSION}, client ${p.version}`,
      ]);
    }
    if (p.type === PacketType.CONNECT_REQUEST) {
      if (this.#refusal(from, nonce)) return;
      const cookie = this.#jar.mint(addressKey(from), nonce, now);
      this.#host.queueRaw(copyAddress(from), encodeChallenge(nonce, cookie));
      return;
    }
    // CONNECT: nothing is allocated before the cookie proves the client owns its address
    if (!this.#jar.verify(p.cookie, addressKey(from), nonce, now)) return;
    const key = hex(p.cookie);
    this.#prune(now);
    const used = this.#consumed.get(key);
    if (used) {
      const entry = this.#host.entryById(used.id);
      if (entry && entry.sessionId === used.sessionId) {
        this.#host.queueRaw(entry.address, used.accept); // lost ACCEPT: idempotent
      } else {
        this.#reject(from, nonce, DisconnectReason.PROTOCOL_ERROR, [
          "handshake cookie already used",
        ]);
      }
      return;
    }
    if (this.#refusal(from, nonce)) return;
    if (this.#consumed.size >= this.#options.maxPendingHandshakes) {
      return this.#reject(from, nonce, DisconnectReason.SERVER_FULL, ["too many handshakes"]);
    }
    const request = decodeConnectPayload(p.payload);
    if (!request) {
      return this.#reject(from, nonce, DisconnectReason.PROTOCOL_ERROR, ["malformed CONNECT"]);
    }
    // Seam for the async auth hook (issue 4): park {key, nonce, address, request.token} here,
    // emit an auth event, and run the lines below from Host.completeAuth().
    const id = this.#newId();
    const sessionId = this.#newSession();
    const address = copyAddress(from);
    const accept = encodeAccept(
      nonce,
      sessionId,
      encodeAcceptBody({
        id,
        channelCount: this.#host.channelCount,
        serverRelay: this.#host.serverRelay,
        timeoutMs: this.#options.timeoutMs,
      }),
    );
    this.#consumed.set(key, { id, sessionId, expires: now + this.#jar.ttlMs, accept });
    this.#host.queueRaw(address, accept); // before the connection's first DATA
    this.#host.addPeer(id, address, sessionId, now);
  }

  #refusal(from: PeerAddress, nonce: number): boolean {
    if (this.#host.refuseNewConnections) {
      this.#reject(from, nonce, DisconnectReason.REFUSED, ["server refuses new connections"]);
      return true;
    }
    if (this.#host.peerCount >= this.#options.maxClients) {
      this.#reject(from, nonce, DisconnectReason.SERVER_FULL, [
        `server is full (${this.#options.maxClients} clients)`,
      ]);
      return true;
    }
    return false;
  }

  #reject(from: PeerAddress, nonce: number, reason: DisconnectReason, message: [string]): void {
    this.#host.queueRaw(copyAddress(from), encodeReject(nonce, reason, message[0]));
  }

  #prune(now: number): void {
    for (const [key, used] of this.#consumed) {
      if (used.expires < now) this.#consumed.delete(key);
    }
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
      if (s !== 0 && !this.#host.entryBySession(s)) return s;
    }
  }
}

type ClientState = "idle" | "requesting" | "connecting" | "done";

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
  readonly #host: Host;
  readonly #options: ResolvedHostOptions;
  #state: ClientState = "idle";
  #server: PeerAddress = { hostname: "", port: 0 };
  #nonce = 0;
  #cookie = new Uint8Array(0);
  #deadline = 0;
  #nextSendAt = 0;
  #interval = RETRY_INITIAL_MS;

  /** Binds the client handshake to its host. */
  constructor(host: Host, options: ResolvedHostOptions) {
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
    if (p.type === PacketType.CHALLENGE && this.#state === "requesting") {
      this.#cookie = p.cookie.slice();
      this.#state = "connecting";
      this.#interval = RETRY_INITIAL_MS;
      this.#send(now);
    } else if (p.type === PacketType.ACCEPT) {
      const body = decodeAcceptBody(p.payload);
      if (!body) return;
      this.#state = "done";
      this.#host.accepted(body.id, body.channelCount, body.serverRelay);
      this.#host.addPeer(1, copyAddress(from), p.sessionId, now);
    } else if (p.type === PacketType.REJECT) {
      this.#state = "done";
      this.#host.failed(toReason(p.reason), p.message);
    }
  }

  /** Retransmits or gives up. */
  handleTimeout(now: number): void {
    if (this.#state !== "requesting" && this.#state !== "connecting") return;
    if (now >= this.#deadline) {
      this.#state = "done";
      const { hostname, port } = this.#server;
      this.#host.failed(
        DisconnectReason.CONNECT_TIMEOUT,
        `no answer from ${hostname}:${port} within ${this.#options.connectTimeoutMs} ms`,
      );
    } else if (now >= this.#nextSendAt) {
      this.#send(now);
    }
  }

  /** Next retransmission or give-up time; Infinity when idle. */
  pollTimeout(): number {
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
      }),
    );
    this.#host.queueRaw(this.#server, bytes);
    this.#nextSendAt = now + this.#interval;
    this.#interval = Math.min(this.#interval * 2, RETRY_MAX_MS);
  }
}
