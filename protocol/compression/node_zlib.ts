/**
 * The part of the runtime's `node:zlib` the zlib and zstd codecs call, as an injected
 * dependency: the codecs stay pure and nothing loads `node:zlib` unless those modes are used
 * (a browser bundle of the module never needs it).
 *
 * @module
 */
import type * as Zlib from "node:zlib";

/** Options of node:zlib's zstd functions (as its types declare them). */
export type ZstdOptions = Zlib.ZstdOptions;

/**
 * `node:zlib`, or anything with the same functions.
 *
 * @example
 * ```ts
 * import * as zlib from "node:zlib";
 * import type { NodeZlib } from "./node_zlib.ts";
 * const z: NodeZlib = zlib;
 * console.log(typeof z.deflateSync); // function
 * ```
 */
export type NodeZlib = Pick<
  typeof Zlib,
  "deflateSync" | "inflateSync" | "zstdCompressSync" | "zstdDecompressSync" | "constants"
>;
