/** Injectable randomness so that every protocol run can be replayed from a seed. @module */

/** A source of uniformly distributed random numbers. */
export interface Random {
  /** Uniform float in [0, 1). */
  next(): number;
  /** Uniform unsigned 32-bit integer. */
  nextU32(): number;
  /** Fills `bytes` with random bytes and returns it. */
  fill(bytes: Uint8Array): Uint8Array;
}

/**
 * Deterministic PRNG (xoshiro128**) seeded from a 32-bit integer.
 *
 * @example
 * ```ts
 * import { SeededRandom } from "./random.ts";
 * const a = new SeededRandom(42), b = new SeededRandom(42);
 * console.log(a.nextU32() === b.nextU32()); // true
 * ```
 */
export class SeededRandom implements Random {
  #s0: number;
  #s1: number;
  #s2: number;
  #s3: number;
  /** Seeds the generator; equal seeds give equal sequences. */
  constructor(seed: number) {
    // splitmix32 expands the seed so nearby seeds give unrelated streams
    let x = seed >>> 0;
    const split = () => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.#s0 = split();
    this.#s1 = split();
    this.#s2 = split();
    this.#s3 = split() | 1;
  }
  /** Uniform unsigned 32-bit integer. */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.#s1, 5), 7), 9) >>> 0;
    const t = this.#s1 << 9;
    this.#s2 ^= this.#s0;
    this.#s3 ^= this.#s1;
    this.#s1 ^= this.#s2;
    this.#s0 ^= this.#s3;
    this.#s2 ^= t;
    this.#s3 = rotl(this.#s3, 11);
    return result;
  }
  /** Uniform float in [0, 1). */
  next(): number {
    return this.nextU32() / 4294967296;
  }
  /** Fills `bytes` with pseudo-random bytes. */
  fill(bytes: Uint8Array): Uint8Array {
    for (let i = 0; i < bytes.length; i++) bytes[i] = this.nextU32() & 0xff;
    return bytes;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** Cryptographically strong randomness from WebCrypto (the default outside simulations). */
export const cryptoRandom: Random = {
  next: () => cryptoRandom.nextU32() / 4294967296,
  nextU32: () => crypto.getRandomValues(new Uint32Array(1))[0],
  fill: (bytes) => crypto.getRandomValues(bytes),
};
