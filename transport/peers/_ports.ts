/** Argument checks shared by the peers' create calls. @module */
import { MultiplayerError } from "../../protocol/errors.ts";

/**
 * Throws MultiplayerError INVALID_ARGUMENT unless `port` is an integer in [0, 65535]; `what`
 * names the argument in the message.
 *
 * @example
 * ```ts
 * import { checkPort } from "./_ports.ts";
 * checkPort(8080, "port"); // fine
 * try {
 *   checkPort(70000, "udpPort");
 * } catch (e) {
 *   console.log((e as Error).message); // udpPort must be an integer in [0, 65535], got 70000
 * }
 * ```
 */
export function checkPort(port: number, what: string): void {
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new MultiplayerError(
      "INVALID_ARGUMENT",
      `${what} must be an integer in [0, 65535], got ${port}`,
    );
  }
}

/**
 * Throws MultiplayerError INVALID_ARGUMENT unless `port` names a remote port: an integer in
 * [1, 65535] (0 means "any" only when binding).
 *
 * @example
 * ```ts
 * import { checkRemotePort } from "./_ports.ts";
 * try {
 *   checkRemotePort(0, "port");
 * } catch (e) {
 *   console.log((e as Error).message); // port must be the server's port, an integer in [1, 65535], got 0
 * }
 * ```
 */
export function checkRemotePort(port: number, what: string): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new MultiplayerError(
      "INVALID_ARGUMENT",
      `${what} must be the server's port, an integer in [1, 65535], got ${port}`,
    );
  }
}
