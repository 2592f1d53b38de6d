/**
 * Types of the server's authentication hook (UDP and WebSocket servers take the same hook).
 *
 * @module
 */

/**
 * What the server's authentication hook sees.
 *
 * @example
 * ```ts
 * import type { AuthenticateInfo } from "./authenticate.ts";
 * const info: AuthenticateInfo = { address: "127.0.0.1", port: 4000, payload: new Uint8Array() };
 * ```
 */
export interface AuthenticateInfo {
  /** Client's IP address. */
  readonly address: string;
  /** Client's port. */
  readonly port: number;
  /** The client's `authPayload` (untrusted bytes; may be empty). */
  readonly payload: Uint8Array;
}

/**
 * `true` accepts; `{ reject }` refuses with a reason the client receives (cut to 96 bytes).
 *
 * @example
 * ```ts
 * import type { AuthenticateResult } from "./authenticate.ts";
 * const refused: AuthenticateResult = { reject: "server is private" };
 * ```
 */
export type AuthenticateResult = true | { readonly reject: string };

/**
 * Server hook deciding on each client before an id is assigned. A throw or any other result
 * rejects with AUTH_REJECTED.
 *
 * @example
 * ```ts
 * import type { AuthenticateHook } from "./authenticate.ts";
 * const hook: AuthenticateHook = ({ payload }) => payload.length > 0 || { reject: "token required" };
 * ```
 */
export type AuthenticateHook = (
  info: AuthenticateInfo,
) => AuthenticateResult | Promise<AuthenticateResult>;
