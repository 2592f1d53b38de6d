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
