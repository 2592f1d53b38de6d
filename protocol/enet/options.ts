/** Options of an ENet host and its peers, with defaults and validation. @module */
import type { Random } from "../random.ts";
import { cryptoRandom } from "../random.ts";
import { MultiplayerError } from "../errors.ts";
import type { DatagramCompressor } from "./compressor.ts";
import type { EnetAddress } from "./address.ts";
import { EnetDefault, EnetLimit } from "./constants.ts";

/**
 * How unreliable data is shed at the sender.
 *
 * - `"congestion"` (default): only under real congestion. ENet's throttle rule applies only while
 *   the reliable window is full and a reliable command was lost within the last throttle interval,
 *   or while the host bandwidth throttle holds the peer's throttle limit below full; the outgoing
 *   queue bound and `unreliableMaxAgeMs` drop stale data.
 * - `"enet"`: libenet's rule on every unreliable packet (a rolling counter against the RTT-driven
 *   packet throttle), plus the queue bound.
 * - `"never"`: only the queue bound and age drop unreliable data.
 *
 * @example
 * ```ts
 * import type { SheddingPolicy } from "./options.ts";
 * const policy: SheddingPolicy = "enet";
 * ```
 */
export type SheddingPolicy = "congestion" | "enet" | "never";

/**
 * Options of {@link EnetHost} (and of a peer made without a host). Every field is optional.
 *
 * @example
 * ```ts
 * import type { EnetOptions } from "./options.ts";
 * const options: EnetOptions = { peerLimit: 32, channelLimit: 3, autoAccept: true };
 * ```
 */
export interface EnetOptions {
  /** Size of the peer index table (connected + pending peers), 1..4095. Default 32. */
  peerLimit?: number;
  /** At most this many peers in the handshake at once (oldest evicted). Default 16. */
  maxPendingPeers?: number;
  /** At most this many peers from one hostname (ENet's duplicatePeers). Default 4095. */
  maxPeersPerHost?: number;
  /** Most channels a remote may open, 1..255. Default 255. */
  channelLimit?: number;
  /** Downstream bandwidth in bytes/s, 0 = unlimited. Default 0. */
  incomingBandwidth?: number;
  /** Upstream bandwidth in bytes/s, 0 = unlimited. Default 0. */
  outgoingBandwidth?: number;
  /** MTU offered when connecting, 576..4096 (a server takes the client's, clamped, as ENet does). 1400. */
  mtu?: number;
  /** Largest packet sent or accepted. Default 8 MiB. */
  maxPacketSize?: number;
  /** Bytes a peer may queue for sending (data + command headers, in flight included). 16 MiB. */
  maxQueuedBytes?: number;
  /** Received bytes waiting for `pollEvent` per peer before reliable data is refused. 16 MiB. */
  maxInboundBytes?: number;
  /** Out-of-order received bytes held per peer. Default 4 MiB. */
  maxHeldBytes?: number;
  /** Bytes of incomplete fragmented packets per peer. Default 16 MiB. */
  maxReassemblyBytes?: number;
  /** Bytes of incomplete fragmented packets over the whole host. Default 64 MiB. */
  maxTotalReassemblyBytes?: number;
  /** Incomplete unreliable fragmented packets are dropped after this long. Default 5000 ms. */
  unreliableFragmentTimeoutMs?: number;
  /** Unreliable packets still queued after this long are dropped. Default 1000 ms. */
  unreliableMaxAgeMs?: number;
  /** Acknowledgements queued per peer at most (more are not acknowledged). Default 4096. */
  maxPendingAcks?: number;
  /**
   * How long (ms, 0..100) a connected peer's acknowledgements may wait for more to share their
   * datagram when nothing else goes out: they leave at once with any other command, or once a
   * datagram's worth is waiting, or once they acknowledge a quarter of the window the remote
   * sends with, and at the latest this long after the first of them was queued (`pollTimeout`
   * says when); those of connection-level commands never wait. For owners that call
   * `pollTransmit` after every received datagram (libenet acknowledges once per service call,
   * however many datagrams it read). Default 0: every `pollTransmit` sends them.
   */
  ackDelayMs?: number;
  /**
   * Received packets up to 1 KiB (in 4 KiB buffers) and the datagrams `pollTransmit` returns (in
   * 64 KiB buffers) are views of shared buffers, with a non-zero `byteOffset`, each keeping its
   * buffer alive, instead of buffers of their own: allocating a buffer costs far more than copying
   * a small packet or datagram. Default false.
   */
  sharedBuffers?: boolean;
  /** See {@link SheddingPolicy}. Default "congestion". */
  shedding?: SheddingPolicy;
  /** Idle ping interval in ms. Default 500. */
  pingInterval?: number;
  /** Timeout rules (ENet's enet_peer_timeout); defaults 32 / 5000 / 30000. */
  timeoutLimit?: number;
  /** See `timeoutLimit`. */
  timeoutMinimum?: number;
  /** See `timeoutLimit`. */
  timeoutMaximum?: number;
  /** Add and check ENet's CRC-32 checksum field. Default false (Godot never uses it). */
  checksum?: boolean;
  /** Compress datagram bodies (both ends must agree). */
  compressor?: DatagramCompressor;
  /** Source of connect ids. Default WebCrypto. */
  random?: Random;
  /** Cheap veto before any state exists for a CONNECT (e.g. rate limits). */
  allowConnect?: (address: EnetAddress, now: number) => boolean;
  /** Accept every CONNECT without a `connectRequest` event. Default false. */
  autoAccept?: boolean;
  /** A connect request not answered within this long is dropped. Default 10000 ms. */
  admissionTimeoutMs?: number;
  /** An accepted peer whose VERIFY_CONNECT is not acknowledged within this is dropped. 10000 ms. */
  pendingTimeoutMs?: number;
  /** When no peer slot is free, answer a CONNECT with DISCONNECT(`fullRejectData`). Default true. */
  rejectWhenFull?: boolean;
  /** Data of that DISCONNECT. Default 0. */
  fullRejectData?: number;
}

/**
 * {@link EnetOptions} with every default filled in and validated.
 *
 * @example
 * ```ts
 * import { resolveOptions } from "./options.ts";
 * console.log(resolveOptions({}).mtu); // 1400
 * ```
 */
export type ResolvedEnetOptions =
  & Required<Omit<EnetOptions, "compressor" | "allowConnect">>
  & Pick<EnetOptions, "compressor" | "allowConnect">;

const MIB = 1024 * 1024;

/**
 * Fills defaults and checks ranges; throws MultiplayerError("INVALID_ARGUMENT") on bad values.
 *
 * @example
 * ```ts
 * import { resolveOptions } from "./options.ts";
 * console.log(resolveOptions({ peerLimit: 4 }).peerLimit); // 4
 * ```
 */
export function resolveOptions(options: EnetOptions): ResolvedEnetOptions {
  const r: ResolvedEnetOptions = {
    peerLimit: options.peerLimit ?? 32,
    maxPendingPeers: options.maxPendingPeers ?? 16,
    maxPeersPerHost: options.maxPeersPerHost ?? EnetLimit.MAXIMUM_PEER_ID,
    channelLimit: options.channelLimit ?? EnetLimit.MAXIMUM_CHANNEL_COUNT,
    incomingBandwidth: options.incomingBandwidth ?? 0,
    outgoingBandwidth: options.outgoingBandwidth ?? 0,
    mtu: options.mtu ?? EnetDefault.MTU,
    maxPacketSize: options.maxPacketSize ?? 8 * MIB,
    maxQueuedBytes: options.maxQueuedBytes ?? 16 * MIB,
    maxInboundBytes: options.maxInboundBytes ?? 16 * MIB,
    maxHeldBytes: options.maxHeldBytes ?? 4 * MIB,
    maxReassemblyBytes: options.maxReassemblyBytes ?? 16 * MIB,
    maxTotalReassemblyBytes: options.maxTotalReassemblyBytes ?? 64 * MIB,
    unreliableFragmentTimeoutMs: options.unreliableFragmentTimeoutMs ?? 5000,
    unreliableMaxAgeMs: options.unreliableMaxAgeMs ?? 1000,
    maxPendingAcks: options.maxPendingAcks ?? 4096,
    ackDelayMs: options.ackDelayMs ?? 0,
    sharedBuffers: options.sharedBuffers ?? false,
    shedding: options.shedding ?? "congestion",
    pingInterval: options.pingInterval ?? EnetDefault.PING_INTERVAL,
    timeoutLimit: options.timeoutLimit ?? EnetDefault.TIMEOUT_LIMIT,
    timeoutMinimum: options.timeoutMinimum ?? EnetDefault.TIMEOUT_MINIMUM,
    timeoutMaximum: options.timeoutMaximum ?? EnetDefault.TIMEOUT_MAXIMUM,
    checksum: options.checksum ?? false,
    compressor: options.compressor,
    random: options.random ?? cryptoRandom,
    allowConnect: options.allowConnect,
    autoAccept: options.autoAccept ?? false,
    admissionTimeoutMs: options.admissionTimeoutMs ?? 10_000,
    pendingTimeoutMs: options.pendingTimeoutMs ?? 10_000,
    rejectWhenFull: options.rejectWhenFull ?? true,
    fullRejectData: options.fullRejectData ?? 0,
  };
  intIn("peerLimit", r.peerLimit, 1, EnetLimit.MAXIMUM_PEER_ID);
  intIn("maxPendingPeers", r.maxPendingPeers, 1, EnetLimit.MAXIMUM_PEER_ID);
  intIn("maxPeersPerHost", r.maxPeersPerHost, 1, EnetLimit.MAXIMUM_PEER_ID);
  intIn("channelLimit", r.channelLimit, 1, EnetLimit.MAXIMUM_CHANNEL_COUNT);
  intIn("incomingBandwidth", r.incomingBandwidth, 0, 0xffffffff);
  intIn("outgoingBandwidth", r.outgoingBandwidth, 0, 0xffffffff);
  intIn("mtu", r.mtu, EnetLimit.MINIMUM_MTU, EnetLimit.MAXIMUM_MTU);
  intIn("maxPacketSize", r.maxPacketSize, 1, 0x7fffffff);
  for (
    const key of [
      "maxQueuedBytes",
      "maxInboundBytes",
      "maxHeldBytes",
      "maxReassemblyBytes",
      "maxTotalReassemblyBytes",
      "unreliableFragmentTimeoutMs",
      "unreliableMaxAgeMs",
      "admissionTimeoutMs",
      "pendingTimeoutMs",
    ] as const
  ) intIn(key, r[key], 1, Number.MAX_SAFE_INTEGER);
  intIn("maxPendingAcks", r.maxPendingAcks, 1, 1 << 20);
  intIn("ackDelayMs", r.ackDelayMs, 0, 100);
  intIn("pingInterval", r.pingInterval, 1, 0x7fffffff);
  intIn("timeoutLimit", r.timeoutLimit, 1, 0x7fffffff);
  intIn("timeoutMinimum", r.timeoutMinimum, 1, 0x7fffffff);
  intIn("timeoutMaximum", r.timeoutMaximum, 1, 0x7fffffff);
  intIn("fullRejectData", r.fullRejectData, 0, 0xffffffff);
  if (!["congestion", "enet", "never"].includes(r.shedding)) {
    throw new MultiplayerError("INVALID_ARGUMENT", `shedding must be congestion, enet or never`);
  }
  return r;
}

function intIn(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new MultiplayerError("INVALID_ARGUMENT", `${name} must be an integer in ${min}..${max}`);
  }
}
