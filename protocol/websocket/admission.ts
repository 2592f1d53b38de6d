/**
 * Admission control of incoming TCP sockets, before a single byte is read: a connect-rate token
 * bucket per host, a cap on sockets per host, a cap on half-done upgrades per host, and a global
 * cap. Pure and `now`-driven; the per-host table holds only hosts that have a socket open, so it
 * never grows past the global cap.
 *
 * @module
 */
import { MultiplayerError } from "../errors.ts";
import { RateLimiter } from "../security/rate_limiter.ts";

/** Limits of an {@link Admission}; every field has a safe default. */
export interface AdmissionLimits {
  /** Most sockets held at once, upgraded or not (default 1024). */
  readonly maxSockets?: number;
  /** Most sockets one host holds at once (default 16). */
  readonly maxSocketsPerAddress?: number;
  /** Most sockets of one host still in the opening handshake (default 4). */
  readonly maxPendingUpgradesPerAddress?: number;
  /** Sustained connects per second per host (default 10). */
  readonly connectsPerSecond?: number;
  /** Connect burst per host (default 20). */
  readonly connectBurst?: number;
  /** Sustained connects per second over all hosts (default 1000). */
  readonly globalConnectsPerSecond?: number;
  /** Connect burst over all hosts (default 2000). */
  readonly globalConnectBurst?: number;
  /** Most hosts the rate limiter remembers (default 8192; least recently seen is forgotten). */
  readonly maxTrackedAddresses?: number;
}

/** Why a socket was refused at admission. */
export type AdmissionRefusal = "rate" | "full" | "perAddress" | "pendingPerAddress";

interface HostCount {
  sockets: number;
  pending: number;
}

/**
 * Decides whether a new socket may stay. {@link admit} counts an admitted socket as pending;
 * {@link upgraded} moves it to open; {@link release} forgets it.
 *
 * @example
 * ```ts
 * import { Admission } from "./admission.ts";
 * const admission = new Admission({ maxSocketsPerAddress: 2, maxPendingUpgradesPerAddress: 1 });
 * console.log(admission.admit("10.0.0.1", 0)); // undefined (admitted, pending)
 * console.log(admission.admit("10.0.0.1", 0)); // pendingPerAddress
 * admission.upgraded("10.0.0.1");
 * console.log(admission.admit("10.0.0.1", 0)); // undefined
 * console.log(admission.admit("10.0.0.1", 0)); // perAddress
 * ```
 */
export class Admission {
  /** Most sockets overall. */
  readonly maxSockets: number;
  /** Most sockets per host. */
  readonly maxSocketsPerAddress: number;
  /** Most pending upgrades per host. */
  readonly maxPendingUpgradesPerAddress: number;
  readonly #rate: RateLimiter;
  readonly #hosts = new Map<string, HostCount>();
  #sockets = 0;
  #pending = 0;

  /** Throws MultiplayerError INVALID_ARGUMENT for a limit that is not a positive integer/rate. */
  constructor(limits: AdmissionLimits = {}) {
    this.maxSockets = count("maxSockets", limits.maxSockets ?? 1024);
    this.maxSocketsPerAddress = count("maxSocketsPerAddress", limits.maxSocketsPerAddress ?? 16);
    this.maxPendingUpgradesPerAddress = count(
      "maxPendingUpgradesPerAddress",
      limits.maxPendingUpgradesPerAddress ?? 4,
    );
    this.#rate = new RateLimiter({
      perSourcePerSecond: limits.connectsPerSecond ?? 10,
      perSourceBurst: limits.connectBurst ?? 20,
      globalPerSecond: limits.globalConnectsPerSecond ?? 1000,
      globalBurst: limits.globalConnectBurst ?? 2000,
      maxKeys: limits.maxTrackedAddresses ?? 8192,
    });
  }

  /** Sockets held (pending and open). */
  get sockets(): number {
    return this.#sockets;
  }

  /** Sockets still in the opening handshake. */
  get pending(): number {
    return this.#pending;
  }

  /** Hosts with at least one socket (never above `maxSockets`). */
  get addresses(): number {
    return this.#hosts.size;
  }

  /** Sockets `key` holds. */
  socketsOf(key: string): number {
    return this.#hosts.get(key)?.sockets ?? 0;
  }

  /**
   * Admits a new socket from host `key` at `now` (ms), counting it as pending, or returns why
   * not. Every call spends a rate token, refused or not, so a host hammering at a full server
   * stays rate limited.
   */
  admit(key: string, now: number): AdmissionRefusal | undefined {
    if (!this.#rate.allow(key, now)) return "rate";
    if (this.#sockets >= this.maxSockets) return "full";
    const host = this.#hosts.get(key);
    if (host !== undefined) {
      if (host.sockets >= this.maxSocketsPerAddress) return "perAddress";
      if (host.pending >= this.maxPendingUpgradesPerAddress) return "pendingPerAddress";
      host.sockets++;
      host.pending++;
    } else {
      this.#hosts.set(key, { sockets: 1, pending: 1 });
    }
    this.#sockets++;
    this.#pending++;
    return undefined;
  }

  /** The pending socket of `key` finished its handshake (it still counts as a socket). */
  upgraded(key: string): void {
    const host = this.#hosts.get(key);
    if (host === undefined || host.pending === 0) return;
    host.pending--;
    this.#pending--;
  }

  /** A socket of `key` is gone; `pending` tells whether it never finished its handshake. */
  release(key: string, pending: boolean): void {
    const host = this.#hosts.get(key);
    if (host === undefined) return;
    if (pending && host.pending > 0) {
      host.pending--;
      this.#pending--;
    }
    host.sockets--;
    this.#sockets--;
    if (host.sockets <= 0) this.#hosts.delete(key);
  }
}

function count(name: string, value: number): number {
  if (!Number.isInteger(value) || value <= 0) {
    throw new MultiplayerError(
      "INVALID_ARGUMENT",
      `${name} must be a positive integer, got ${value}`,
    );
  }
  return value;
}
