/**
 * Seeds, replay commands and a run trace hash for deterministic simulations.
 *
 * @module
 */

/**
 * Error thrown by a failed simulation: carries the seed and the command that replays it.
 *
 * @example
 * ```ts
 * import { SimFailure } from "./seeds.ts";
 * const e = new SimFailure(7, "tests/sim_soak_test.ts", "lost packet");
 * console.log(e.message.includes("SIM_SEED=7")); // true
 * ```
 */
export class SimFailure extends Error {
  /** Seed of the failed run. */
  readonly seed: number;
  /** Creates the error; `file` is the test file to replay. */
  constructor(seed: number, file: string, message: string) {
    super(`[sim seed=${seed}] ${message}\n  replay: ${replayCommand(seed, file)}`);
    this.name = "SimFailure";
    this.seed = seed;
  }
}

/**
 * The shell command that reruns one seed of a simulation test file.
 *
 * @example
 * ```ts
 * import { replayCommand } from "./seeds.ts";
 * console.log(replayCommand(3, "tests/sim_soak_test.ts"));
 * ```
 */
export function replayCommand(seed: number, file: string): string {
  return `SIM_SEED=${seed} deno test --allow-net --unstable-net --allow-env=SIM_SEED ${file}`;
}

/**
 * Seeds to run: `SIM_SEED` (when set and readable) alone, else `count` seeds from `first`.
 * Reading the variable needs `--allow-env=SIM_SEED`; without it the default list is used.
 *
 * @example
 * ```ts
 * import { simSeeds } from "./seeds.ts";
 * console.log(simSeeds(3, 100).length >= 1); // true
 * ```
 */
export function simSeeds(count: number, first = 1): number[] {
  const state = Deno.permissions.querySync({ name: "env", variable: "SIM_SEED" }).state;
  const raw = state === "granted" ? Deno.env.get("SIM_SEED") : undefined;
  if (raw !== undefined && raw !== "") {
    const seed = Number(raw);
    if (!Number.isInteger(seed)) throw new Error(`SIM_SEED must be an integer, got "${raw}"`);
    return [seed];
  }
  return Array.from({ length: count }, (_, i) => first + i);
}

/**
 * FNV-1a over a stream of numbers: two runs with equal traces have equal hashes.
 *
 * @example
 * ```ts
 * import { TraceHash } from "./seeds.ts";
 * const a = new TraceHash(), b = new TraceHash();
 * a.add(1, 2.5);
 * b.add(1, 2.5);
 * console.log(a.value === b.value, a.count); // true 2
 * ```
 */
export class TraceHash {
  #h = 0x811c9dc5;
  #h2 = 0x01000193;
  readonly #f = new Float64Array(1);
  readonly #u = new Uint32Array(this.#f.buffer);
  /** Numbers mixed in so far. */
  count = 0;

  /** Mixes numbers (exact float bits) into the hash. */
  add(...values: number[]): void {
    for (let i = 0; i < values.length; i++) this.addOne(values[i]);
  }

  /** Mixes one number in without allocating. */
  addOne(value: number): void {
    this.#f[0] = value;
    this.#mix(this.#u[0]);
    this.#mix(this.#u[1]);
    this.count++;
  }

  /** Mixes up to `max` leading bytes of `bytes` and its length. */
  addBytes(bytes: Uint8Array, max = 16): void {
    const n = Math.min(bytes.length, max);
    this.addOne(bytes.length);
    for (let i = 0; i < n; i++) this.#mix(bytes[i]);
  }

  /** 64-bit hash as 16 hex digits. */
  get value(): string {
    return (this.#h >>> 0).toString(16).padStart(8, "0") +
      (this.#h2 >>> 0).toString(16).padStart(8, "0");
  }

  #mix(word: number): void {
    this.#h = Math.imul(this.#h ^ word, 0x01000193);
    this.#h2 = Math.imul(this.#h2 ^ word ^ (this.#h >>> 15), 0x5bd1e995);
  }
}
