/**
 * Per-connection tuning accepted by the create calls (`maxWindowBytes`), validated once and
 * turned into the host's `createConnection` factory.
 *
 * @module
 */
import { Connection } from "../../protocol/connection/connection.ts";
import { DEFAULT_MAX_WINDOW_BYTES } from "../../protocol/connection/options.ts";
import { DEFAULTS } from "../../protocol/constants.ts";
import { MultiplayerError } from "../../protocol/errors.ts";
import type { HostOptions } from "../../protocol/host/options.ts";

/** Smallest accepted `maxWindowBytes`: the congestion controller's floor of 4 datagrams. */
export const MIN_WINDOW_BYTES: number = 4 * DEFAULTS.datagramSize;
/** Largest accepted `maxWindowBytes` (1 GiB). */
export const MAX_WINDOW_BYTES: number = 2 ** 30;

/**
 * Connection options shared by the UDP and datagram create calls.
 *
 * @example
 * ```ts
 * import type { ConnectionTuning } from "./connection_tuning.ts";
 * const longFatPath: ConnectionTuning = { maxWindowBytes: 1024 * 1024 };
 * ```
 */
export interface ConnectionTuning {
  /**
   * Cap on bytes in flight per connection (default 64 KiB = `DEFAULT_MAX_WINDOW_BYTES`, sized so
   * a loopback receiver's default socket buffer never overflows). Raise it for long fat paths:
   * throughput is at most `maxWindowBytes / RTT` (64 KiB at 100 ms RTT is ~640 KB/s) when the
   * receiver's socket buffer can hold that much. Integer in [4800, 2^30]; ignored on reliable
   * carriers (WebSocket).
   */
  maxWindowBytes?: number;
}

/**
 * The host's `createConnection` for `tuning`. Throws MultiplayerError INVALID_ARGUMENT for an
 * out-of-range value, so a create call fails before binding anything.
 *
 * @example
 * ```ts
 * import { connectionFactory } from "./connection_tuning.ts";
 * const create = connectionFactory({ maxWindowBytes: 256 * 1024 });
 * try {
 *   connectionFactory({ maxWindowBytes: 100 });
 * } catch (e) {
 *   console.log((e as Error).message); // maxWindowBytes must be an integer in [4800, ...
 * }
 * ```
 */
export function connectionFactory(tuning: ConnectionTuning): HostOptions["createConnection"] {
  const maxWindowBytes = tuning.maxWindowBytes ?? DEFAULT_MAX_WINDOW_BYTES;
  if (
    !Number.isInteger(maxWindowBytes) || maxWindowBytes < MIN_WINDOW_BYTES ||
    maxWindowBytes > MAX_WINDOW_BYTES
  ) {
    throw new MultiplayerError(
      "INVALID_ARGUMENT",
      `maxWindowBytes must be an integer in [${MIN_WINDOW_BYTES}, ${MAX_WINDOW_BYTES}], ` +
        `got ${maxWindowBytes}`,
    );
  }
  const options = { maxWindowBytes };
  return (config) => new Connection(config, options);
}
