/**
 * Encryption and admission between the driver and the host: the WebCrypto key exchange, inline
 * ChaCha20-Poly1305 sealing of datagrams (the pure `SecureChannel`), server identities, the
 * authentication hook and the security options of the create calls.
 *
 * @example
 * ```ts
 * import { generateServerIdentity, publicKeyToHex } from "./mod.ts";
 * const identity = await generateServerIdentity();
 * console.log(publicKeyToHex(identity.publicKey).length > 0); // true
 * ```
 *
 * @module
 */
export type { AuthenticateHook, AuthenticateInfo, AuthenticateResult } from "./authenticate.ts";
export {
  CryptoError,
  generateServerIdentity,
  publicKeyFromHex,
  publicKeyToHex,
  type SerializedPublicKey,
  type ServerIdentity,
} from "./channel.ts";
export { SecureLayer, type SecureLayerCounters, type SecureLayerOptions } from "./layer.ts";
export {
  clientSecurity,
  type ClientSecurityOptions,
  type SecuritySetup,
  type ServerLimitOptions,
  serverSecurity,
  type ServerSecurityOptions,
} from "./options.ts";
