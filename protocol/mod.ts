/**
 * The pure protocol core: deterministic state machines that take bytes and a `now` and return
 * bytes, events and the next deadline. Nothing here performs I/O or reads a clock.
 *
 * - `wire/`: the native wire format (frames, handshake packets, system messages, values)
 * - `connection/`: one remote's reliability layer
 * - `congestion/`: congestion control and pacing
 * - `host/`: the multiplayer endpoint (peers, ids, handshakes, relay, events)
 * - `security/`: cookies, rate limiting, key schedule, sealed headers
 *
 * @example
 * ```ts
 * import { Host, MultiplayerError } from "./mod.ts";
 * try {
 *   new Host({ role: "client", createConnection: () => { throw new Error(); } })
 *     .send(1, new Uint8Array(1), 2, 0, 0);
 * } catch (e) {
 *   console.log(e instanceof MultiplayerError && e.code); // NOT_CONNECTED
 * }
 * ```
 *
 * @module
 */
export * from "./constants.ts";
export * from "./errors.ts";
export * from "./random.ts";
export * from "./address.ts";
export * from "./wire/mod.ts";
export * from "./connection/mod.ts";
export * from "./congestion/mod.ts";
export * from "./host/mod.ts";
export * from "./security/mod.ts";
