/**
 * Public security and limit options of the create calls, and how they map to host options and a
 * {@link SecureLayer}. Shared by every carrier's peer.
 *
 * @module
 */
import { DEFAULTS } from "../../protocol/constants.ts";
import { MultiplayerError } from "../../protocol/errors.ts";
import type { HostOptions } from "../../protocol/host/options.ts";
import type { RateLimiterOptions } from "../../protocol/security/rate_limiter.ts";
import { type AuthenticateHook, SEALED_OVERHEAD, SecureLayer } from "./layer.ts";
import { generateEphemeralKeyPair, type ServerIdentity } from "./channel.ts";

/**
 * Server limits against hostile or overeager clients. Every limit has a safe default; what
 * happens at each bound is documented per field.
 *
 * @example
 * ```ts
 * import type { ServerLimitOptions } from "./options.ts";
 * const limits: ServerLimitOptions = { maxPendingHandshakes: 256, maxInboundPacketsPerPeer: 512 };
 * ```
 */
export interface ServerLimitOptions {
  /**
   * Handshakes in progress: cookies accepted in the last 10 s, including those waiting for
   * `authenticate` (default 4096). Beyond it a client gets `connection_failed` SERVER_FULL
   * "too many pending handshakes".
   */
  maxPendingHandshakes?: number;
  /**
   * Connect attempts per source address and overall (default 4/s burst 8 per source, 1000/s
   * burst 2000 overall). Attempts over the limit are dropped silently (the client retries).
   */
  connectRateLimit?: RateLimiterOptions;
  /** Packets waiting for `poll()`/`getPacket()` overall (default 4096); beyond: refused. */
  maxInboundPackets?: number;
  /** Bytes waiting overall (default max(16 MiB, 2 x encodeBufferMaxSize)); beyond: refused. */
  maxInboundBytes?: number;
  /**
   * Packets waiting from one client (default 1024). Beyond it that client's reliable messages
   * are not acknowledged (it retransmits later, slowing down) and unreliable ones are dropped;
   * other clients are unaffected.
   */
  maxInboundPacketsPerPeer?: number;
  /** Bytes waiting from one client (default 4 MiB); same behaviour as above. */
  maxInboundBytesPerPeer?: number;
  /**
   * Bytes of partly received fragmented packets per client (default max(16 MiB, 2 x
   * encodeBufferMaxSize)). Beyond it a reliable fragmented packet waits, an unreliable one is
   * dropped.
   */
  maxReassemblyBytes?: number;
  /** The same, summed over all clients (default max(64 MiB, 2 x encodeBufferMaxSize)). */
  maxTotalReassemblyBytes?: number;
}

/**
 * Server authentication and encryption options.
 *
 * @example
 * ```ts
 * import type { ServerSecurityOptions } from "./options.ts";
 * const security: ServerSecurityOptions = {
 *   encryption: true,
 *   authenticate: ({ payload }) => payload.length > 0 ? true : { reject: "token required" },
 * };
 * ```
 */
export interface ServerSecurityOptions {
  /**
   * Encrypt every session (X25519/P-256 key exchange in the handshake, ChaCha20-Poly1305
   * datagrams).
   * Clients must set `encryption: true` too, otherwise they get `connection_failed`
   * CRYPTO_ERROR.
   */
  encryption?: boolean;
  /** Long-term identity that signs each handshake; clients pin its `publicKey`. */
  serverIdentity?: ServerIdentity;
  /** Key shared with clients out of band; a client with another key fails (CRYPTO_ERROR). */
  preSharedKey?: Uint8Array;
  /**
   * Decides on each client before an id is assigned, seeing its address and `authPayload`.
   * Return `true` or `{ reject: "why" }`; the client gets `connection_failed` AUTH_REJECTED with
   * that message. A throw rejects too. A client that stopped waiting before the hook answered is
   * never admitted.
   */
  authenticate?: AuthenticateHook;
  /**
   * Longest the `authenticate` hook may take, in ms (default 3000, below a client's default
   * 5 s connect timeout); later, the client is rejected with AUTH_REJECTED "timed out".
   */
  authenticateTimeoutMs?: number;
}

/**
 * Client authentication and encryption options.
 *
 * @example
 * ```ts
 * import type { ClientSecurityOptions } from "./options.ts";
 * const security: ClientSecurityOptions = { authPayload: new TextEncoder().encode("token") };
 * ```
 */
export interface ClientSecurityOptions {
  /** Encrypt the session (the server must have `encryption: true`). */
  encryption?: boolean;
  /**
   * The server's identity public key (`serverIdentity.publicKey`); the handshake fails with
   * CRYPTO_ERROR unless the server proves it holds the matching private key.
   */
  serverPublicKey?: Uint8Array;
  /** Pre-shared key (must equal the server's). */
  preSharedKey?: Uint8Array;
  /**
   * Encrypt without authenticating the server (neither `serverPublicKey` nor `preSharedKey`):
   * a passive eavesdropper learns nothing, but an active man in the middle can read and change
   * everything. Off by default: `encryption: true` alone throws, so this must be a choice.
   */
  allowUnauthenticatedServer?: boolean;
  /** Bytes for the server's `authenticate` hook (at most 1024). */
  authPayload?: Uint8Array;
}

/** Host options and optional layer derived from a create call's options. */
export interface SecuritySetup {
  /** Extra host options (only the fields that were set, so they never override defaults). */
  readonly host: Partial<HostOptions>;
  /** Layer to run the driver through, when needed. */
  readonly layer?: SecureLayer;
}

/** Default of `authenticateTimeoutMs`. */
const DEFAULT_AUTHENTICATE_TIMEOUT_MS = 3000;

function checkBytes(v: unknown, what: string, max: number): void {
  if (v !== undefined && (!(v instanceof Uint8Array) || v.length > max)) {
    throw new MultiplayerError("INVALID_ARGUMENT", `${what} must be a Uint8Array of <= ${max} B`);
  }
}

// drops undefined fields so that spreading them does not override the peer's settings
function defined(o: Partial<HostOptions>): Partial<HostOptions> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

/**
 * Maps server options to host options and a layer (validates them; throws INVALID_ARGUMENT).
 *
 * @example
 * ```ts
 * import { serverSecurity } from "./options.ts";
 * const setup = serverSecurity({ maxPendingHandshakes: 8 });
 * console.log(setup.host.maxPendingHandshakes, setup.layer); // 8 undefined
 * ```
 */
export function serverSecurity(o: ServerLimitOptions & ServerSecurityOptions): SecuritySetup {
  checkBytes(o.preSharedKey, "preSharedKey", 1024);
  if (o.authenticate !== undefined && typeof o.authenticate !== "function") {
    throw new MultiplayerError("INVALID_ARGUMENT", "authenticate must be a function");
  }
  const hookTimeout = o.authenticateTimeoutMs ?? DEFAULT_AUTHENTICATE_TIMEOUT_MS;
  if (!Number.isInteger(hookTimeout) || hookTimeout < 1 || hookTimeout > 600_000) {
    throw new MultiplayerError(
      "INVALID_ARGUMENT",
      `authenticateTimeoutMs must be an integer in [1, 600000], got ${hookTimeout}`,
    );
  }
  if ((o.serverIdentity || o.preSharedKey) && !o.encryption) {
    throw new MultiplayerError(
      "INVALID_ARGUMENT",
      "serverIdentity/preSharedKey need encryption: true",
    );
  }
  const encryption = o.encryption === true;
  const host: Partial<HostOptions> = {
    maxPendingHandshakes: o.maxPendingHandshakes,
    connectRateLimit: o.connectRateLimit,
    maxInboundPackets: o.maxInboundPackets,
    maxInboundBytes: o.maxInboundBytes,
    maxInboundPacketsPerPeer: o.maxInboundPacketsPerPeer,
    maxInboundBytesPerPeer: o.maxInboundBytesPerPeer,
    maxReassemblyBytes: o.maxReassemblyBytes,
    maxTotalReassemblyBytes: o.maxTotalReassemblyBytes,
    encryption,
    asyncHandshake: encryption || o.authenticate !== undefined,
    datagramSize: encryption ? DEFAULTS.datagramSize - SEALED_OVERHEAD : undefined,
  };
  if (!host.asyncHandshake) return { host: defined(host) };
  const layer = new SecureLayer({
    role: "server",
    encryption,
    authenticate: o.authenticate,
    authenticateTimeoutMs: hookTimeout,
    serverIdentity: o.serverIdentity,
    preSharedKey: o.preSharedKey,
  });
  return { host: defined(host), layer };
}

/**
 * Maps client options to host options and a layer; generates the ephemeral key pair when
 * encrypting (throws INVALID_ARGUMENT for bad options).
 *
 * @example
 * ```ts
 * import { clientSecurity } from "./options.ts";
 * const setup = await clientSecurity({ encryption: true, preSharedKey: new Uint8Array(32) });
 * console.log(setup.host.encryption, setup.layer !== undefined); // true true
 * await setup.layer?.close();
 * ```
 */
export async function clientSecurity(o: ClientSecurityOptions): Promise<SecuritySetup> {
  checkBytes(o.authPayload, "authPayload", 1024);
  checkBytes(o.preSharedKey, "preSharedKey", 1024);
  checkBytes(o.serverPublicKey, "serverPublicKey", 160);
  if ((o.serverPublicKey || o.preSharedKey) && !o.encryption) {
    throw new MultiplayerError(
      "INVALID_ARGUMENT",
      "serverPublicKey/preSharedKey need encryption: true",
    );
  }
  if (!o.encryption) return { host: defined({ connectToken: o.authPayload }) };
  if (!o.serverPublicKey && !o.preSharedKey && o.allowUnauthenticatedServer !== true) {
    throw new MultiplayerError(
      "INVALID_ARGUMENT",
      "encryption: true needs a way to authenticate the server: serverPublicKey (its pinned " +
        "identity key) or preSharedKey; to encrypt without (open to a man in the middle), set " +
        "allowUnauthenticatedServer: true",
    );
  }
  const ephemeral = await generateEphemeralKeyPair();
  const layer = new SecureLayer({
    role: "client",
    encryption: true,
    serverPublicKey: o.serverPublicKey,
    preSharedKey: o.preSharedKey,
    ephemeral,
  });
  return {
    host: defined({
      connectToken: o.authPayload,
      encryption: true,
      clientPublicKey: ephemeral.publicKey,
      datagramSize: DEFAULTS.datagramSize - SEALED_OVERHEAD,
    }),
    layer,
  };
}
