/**
 * Anti-replay window for sealed packet numbers (RFC 4303 / DTLS style): accepts each packet
 * number at most once, in any order within the last {@link REPLAY_WINDOW} numbers. Pure and
 * allocation-free after construction.
 *
 * @module
 */
import { MultiplayerError } from "../errors.ts";

/** How far behind the highest accepted packet number a late datagram is still accepted. */
export const REPLAY_WINDOW = 2048;
/** 32-bit words of a window's bitmap. */
export const REPLAY_WINDOW_WORDS: number = REPLAY_WINDOW / 32;
const WORDS = REPLAY_WINDOW_WORDS;

/**
 * Remembers which packet numbers were accepted. Call {@link ReplayWindow.check} before the
 * costly decryption and {@link ReplayWindow.mark} only after it authenticated, so forged packet
 * numbers cannot move the window.
 *
 * @example
 * ```ts
 * import { ReplayWindow } from "./replay_window.ts";
 * const w = new ReplayWindow();
 * console.log(w.mark(5), w.mark(3), w.mark(5)); // true true false
 * ```
 */
export class ReplayWindow {
  readonly #bits: Uint32Array;
  #highest = -1;

  /**
   * `bits` (optional, {@link REPLAY_WINDOW_WORDS} zeroed words) lets an owner keep the window in
   * memory it shares with other per-session state; by default the window allocates its own.
   */
  constructor(bits?: Uint32Array) {
    if (bits !== undefined && bits.length !== WORDS) {
      throw new MultiplayerError(
        "INVALID_ARGUMENT",
        `a replay window needs ${WORDS} words, got ${bits.length}`,
      );
    }
    this.#bits = bits ?? new Uint32Array(WORDS);
  }

  /** Highest packet number marked so far (-1 before the first). */
  get highest(): number {
    return this.#highest;
  }

  /** False when `pn` is invalid, was already marked, or fell behind the window. */
  check(pn: number): boolean {
    if (!Number.isSafeInteger(pn) || pn < 0) return false;
    if (pn > this.#highest) return true;
    if (this.#highest - pn >= REPLAY_WINDOW) return false;
    const bit = pn % REPLAY_WINDOW;
    return (this.#bits[bit >>> 5] & (1 << (bit & 31))) === 0;
  }

  /** Marks `pn` as accepted; false (and nothing changes) when {@link check} would refuse it. */
  mark(pn: number): boolean {
    if (!this.check(pn)) return false;
    if (pn > this.#highest) this.#advance(pn);
    const bit = pn % REPLAY_WINDOW;
    this.#bits[bit >>> 5] |= 1 << (bit & 31);
    return true;
  }

  // forgets the numbers that slide out as the window moves up to `pn`
  #advance(pn: number): void {
    if (pn - this.#highest >= REPLAY_WINDOW) {
      this.#bits.fill(0);
    } else {
      for (let n = this.#highest + 1; n <= pn; n++) {
        const bit = n % REPLAY_WINDOW;
        this.#bits[bit >>> 5] &= ~(1 << (bit & 31));
      }
    }
    this.#highest = pn;
  }
}
