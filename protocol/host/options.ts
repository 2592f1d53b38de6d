/** Options of a protocol Host, with the defaults filled in. @module */
import { DEFAULTS } from "../constants.ts";
import type { ConnectionApi, ConnectionConfig } from "../connection/types.ts";
import { MultiplayerError } from "../errors.ts";
import { maxFragmentedMessage } from "../wire/frame.ts";
import type { HostConfig } from "./types.ts";
import { cryptoRandom } from "../random.ts";
import type { RateLimiterOptions } from "../security/rate_limiter.ts";
import type { PeerAddress } from "../address.ts";
import type { WireFactory } from "./wire.ts";

/** Builds the per-remote reliability state machine (engineer A's `Connection` in production). */
export type ConnectionFactory = (config: ConnectionConfig) => ConnectionApi;

/**
 * Everything a Host needs. Only `role` and `createConnection` are required.
 *
 * @example
 * ```ts
 * import { resolveHostOptions } from "./options.ts";
 * import type { ConnectionFactory } from "./options.ts";
 * const factory: ConnectionFactory = () => { throw new Error("unused"); };
 * const o = resolveHostOptions({ role: "server", createConnection: factory });
 * console.log(o.maxClients); // 32
 * ```
 */
export interface HostOptions extends Partial<HostConfig> {
  /** Server or client. */
  readonly role: "server" | "client";
  /** Creates one connection per remote. */
  readonly createConnection: ConnectionFactory;
  /** Most packets waiting for the application (default 4096). */
  readonly maxInboundPackets?: number;
  /** Most bytes waiting for the application (default max(16 MiB, 2 x encodeBufferMaxSize)). */
  readonly maxInboundBytes?: number;
  /** Per-connection send queue bound (default max(16 MiB, 2 x encodeBufferMaxSize)). */
  readonly maxSendQueueBytes?: number;
  /** Per-connection reassembly bound (default max(16 MiB, 2 x encodeBufferMaxSize)). */
  readonly maxReassemblyBytes?: number;
  /** Keepalive interval (default min(1000, timeoutMs / 4)). */
  readonly keepaliveMs?: number;
  /** Servers: how long a challenge cookie stays valid (default 10 s). */
  readonly cookieTtlMs?: number;
  /**
   * Servers: most handshakes in progress (cookies consumed in the last `cookieTtlMs`, including
   * those waiting for the async step; default 4096). At the bound a CONNECT with a valid cookie
   * gets REJECT `SERVER_FULL` ("too many pending handshakes").
   */
  readonly maxPendingHandshakes?: number;
  /**
   * Servers: connect attempts (CONNECT_REQUEST and CONNECT datagrams) per source address and in
   * total (defaults 4/s burst 8 per source, 1000/s burst 2000 overall, 8192 sources tracked).
   * Attempts over the limit are dropped silently.
   */
  readonly connectRateLimit?: RateLimiterOptions;
  /**
   * Most packets from one directly connected peer waiting for the application (default 1024).
   * At the bound that peer's messages are refused: reliable ones are not acknowledged (the sender
   * retransmits later), unreliable ones are dropped.
   */
  readonly maxInboundPacketsPerPeer?: number;
  /** Most bytes from one peer waiting for the application (default 4 MiB; see above). */
  readonly maxInboundBytesPerPeer?: number;
  /**
   * Bytes held in reassembly buffers across all connections (default max(64 MiB, 2 x
   * encodeBufferMaxSize)). At the bound a new fragmented message waits (reliable) or is dropped
   * (unreliable), exactly as at the per-connection bound.
   */
  readonly maxTotalReassemblyBytes?: number;
  /**
   * Servers: park every CONNECT with a valid cookie for an asynchronous step (authentication
   * hook, key exchange) instead of accepting at once; see `Host.pollHandshake`.
   */
  readonly asyncHandshake?: boolean;
  /**
   * Servers: require every client to send an ephemeral public key (else REJECT `CRYPTO_ERROR`).
   * Clients: require the server's ACCEPT to carry the key exchange (else `connection_failed`
   * `CRYPTO_ERROR`); the client's key is `clientPublicKey`.
   */
  readonly encryption?: boolean;
  /** Clients: serialized ephemeral public key sent in CONNECT (with `encryption`). */
  readonly clientPublicKey?: Uint8Array;
  /** Clients: opaque token sent in CONNECT for the server's auth hook (default empty). */
  readonly connectToken?: Uint8Array;
  /**
   * Download cap in bytes/s (0 = none, the default), Godot's `in_bandwidth`: split evenly across
   * connected peers and advertised to each (FLOW), which then paces what it sends us.
   */
  readonly inBandwidth?: number;
  /** Upload cap in bytes/s (0 = none, the default), Godot's `out_bandwidth`; split evenly. */
  readonly outBandwidth?: number;
  /**
   * Per-remote carrier reliability, asked once when a connection is created (servers mixing
   * carriers, e.g. UDP + WebSocket: both ends of a connection must agree). Default: every remote
   * gets `reliableCarrier`.
   */
  readonly reliableCarrierFor?: (address: PeerAddress) => boolean;
  /**
   * Plug-in wires by carrier tag (`PeerAddress.transport`): datagrams from an address with that
   * tag go to the wire's endpoint instead of the native protocol (e.g. `{ enet: ... }` for
   * Godot's ENet wire). Untagged addresses and unknown tags speak the native protocol.
   */
  readonly wires?: Readonly<Record<string, WireFactory>>;
}

/** {@link HostOptions} with every default applied. */
export type ResolvedHostOptions = HostConfig & Required<HostOptions>;

function check(ok: boolean, what: string): void {
  if (!ok) throw new MultiplayerError("INVALID_ARGUMENT", what);
}

/**
 * Applies defaults and validates ranges (throws MultiplayerError INVALID_ARGUMENT).
 *
 * @example
 * ```ts
 * import { resolveHostOptions } from "./options.ts";
 * const o = resolveHostOptions({ role: "client", createConnection: () => { throw 0; } });
 * console.log(o.channelCount); // 3
 * ```
 */
export function resolveHostOptions(o: HostOptions): ResolvedHostOptions {
  const encodeBufferMaxSize = o.encodeBufferMaxSize ?? DEFAULTS.encodeBufferMaxSize;
  const timeoutMs = o.timeoutMs ?? DEFAULTS.timeoutMs;
  const big = Math.max(16 * 1024 * 1024, 2 * encodeBufferMaxSize);
  const r: ResolvedHostOptions = {
    role: o.role,
    createConnection: o.createConnection,
    random: o.random ?? cryptoRandom,
    channelCount: o.channelCount ?? DEFAULTS.channelCount,
    datagramSize: o.datagramSize ?? DEFAULTS.datagramSize,
    encodeBufferMaxSize,
    timeoutMs,
    connectTimeoutMs: o.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs,
    maxClients: o.maxClients ?? DEFAULTS.maxClients,
    serverRelay: o.serverRelay ?? true,
    reliableCarrier: o.reliableCarrier ?? false,
    reliableCarrierFor: o.reliableCarrierFor ?? (o.reliableCarrier ? always : never),
    maxInboundPackets: o.maxInboundPackets ?? 4096,
    maxInboundBytes: o.maxInboundBytes ?? big,
    maxSendQueueBytes: o.maxSendQueueBytes ?? big,
    maxReassemblyBytes: o.maxReassemblyBytes ?? big,
    keepaliveMs: o.keepaliveMs ?? Math.min(1000, timeoutMs / 4),
    cookieTtlMs: o.cookieTtlMs ?? 10_000,
    maxPendingHandshakes: o.maxPendingHandshakes ?? 4096,
    connectRateLimit: o.connectRateLimit ?? {},
    maxInboundPacketsPerPeer: o.maxInboundPacketsPerPeer ?? 1024,
    maxInboundBytesPerPeer: o.maxInboundBytesPerPeer ?? 4 * 1024 * 1024,
    maxTotalReassemblyBytes: o.maxTotalReassemblyBytes ??
      Math.max(64 * 1024 * 1024, 2 * encodeBufferMaxSize),
    asyncHandshake: o.asyncHandshake ?? false,
    encryption: o.encryption ?? false,
    clientPublicKey: o.clientPublicKey ?? new Uint8Array(0),
    connectToken: o.connectToken ?? new Uint8Array(0),
    inBandwidth: o.inBandwidth ?? 0,
    outBandwidth: o.outBandwidth ?? 0,
    wires: o.wires ?? {},
  };
  check(r.role === "server" || r.role === "client", `role must be "server" or "client"`);
  check(isInt(r.channelCount, 1, 254), `channelCount must be an integer in [1, 254]`);
  check(isInt(r.datagramSize, 200, 65507), `datagramSize must be in [200, 65507]`);
  const largest = Math.min(DEFAULTS.maxEncodeBufferSize, maxFragmentedMessage(r.datagramSize));
  check(
    isInt(r.encodeBufferMaxSize, 1, largest),
    `encodeBufferMaxSize must be in [1, ${largest}] (${DEFAULTS.maxEncodeBufferSize} at most; ` +
      `a ${r.datagramSize}-byte datagram carries at most ${maxFragmentedMessage(r.datagramSize)} ` +
      "bytes in 65535 fragments)",
  );
  check(isInt(r.timeoutMs, 100, 3_600_000), `timeoutMs must be in [100, 3600000]`);
  check(isInt(r.connectTimeoutMs, 50, 3_600_000), `connectTimeoutMs must be in [50, 3600000]`);
  check(isInt(r.maxClients, 1, 65_535), `maxClients must be in [1, 65535]`);
  check(isInt(r.maxInboundPackets, 1, 1 << 24), `maxInboundPackets must be in [1, 2^24]`);
  check(r.connectToken.length <= 1024, `connectToken must be at most 1024 bytes`);
  check(isInt(r.maxPendingHandshakes, 1, 1 << 20), `maxPendingHandshakes must be in [1, 2^20]`);
  check(
    isInt(r.maxInboundPacketsPerPeer, 1, 1 << 24),
    `maxInboundPacketsPerPeer must be in [1, 2^24]`,
  );
  check(isInt(r.maxInboundBytesPerPeer, 1, 2 ** 40), `maxInboundBytesPerPeer must be >= 1`);
  check(isInt(r.maxReassemblyBytes, 1, 2 ** 40), `maxReassemblyBytes must be >= 1`);
  check(isInt(r.maxTotalReassemblyBytes, 1, 2 ** 40), `maxTotalReassemblyBytes must be >= 1`);
  check(
    !r.encryption || r.role === "server" || r.clientPublicKey.length > 0,
    `a client with encryption needs clientPublicKey`,
  );
  check(typeof r.reliableCarrierFor === "function", `reliableCarrierFor must be a function`);
  check(
    isInt(r.inBandwidth, 0, 2 ** 40),
    `inBandwidth must be an integer of bytes/s >= 0 (0 = no cap)`,
  );
  check(
    isInt(r.outBandwidth, 0, 2 ** 40),
    `outBandwidth must be an integer of bytes/s >= 0 (0 = no cap)`,
  );
  return r;
}

const always = (): boolean => true;
const never = (): boolean => false;

function isInt(v: number, min: number, max: number): boolean {
  return Number.isInteger(v) && v >= min && v <= max;
}
