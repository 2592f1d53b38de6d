/**
 * The adaptive order-2 context model behind ENet's range coder: a fixed table of symbol nodes
 * where every node is both an entry of its parent context's binary search tree and a context of
 * its own for the next byte. Encoder and decoder must update it identically, so every field keeps
 * the exact width and wrap-around of the wire-compatible model. @module
 */

/** Number of nodes in the table; the model restarts when it is (almost) full. */
export const SYMBOL_CAPACITY = 4096;
/** Highest context order (bytes of history) the model predicts from. */
export const SUBCONTEXT_ORDER = 2;
/** Frequency added to a symbol of the order-0 (root) context each time it is seen. */
export const ROOT_SYMBOL_DELTA = 3;
/** Every byte value has at least this frequency in the root context. */
export const ROOT_SYMBOL_MINIMUM = 1;
/** Escape frequency the root context starts with. */
export const ROOT_ESCAPE_MINIMUM = 1;
/** Frequency added to a symbol of a higher-order context each time it is seen. */
export const SUBCONTEXT_SYMBOL_DELTA = 2;
/** Escape frequency added to a higher-order context each time it misses a byte. */
export const SUBCONTEXT_ESCAPE_DELTA = 5;
/** Context totals above this are halved so that they stay below the coder's 16-bit bottom. */
export const TOTAL_RESCALE_THRESHOLD = (1 << 16) - 0x100;

/** Index of the root (order-0) context; it is always node 0. */
export const ROOT = 0;

/**
 * Symbol table with struct-of-arrays storage. Links (`left`, `right`, `symbols`) hold absolute
 * node indices; 0 means "none", which is unambiguous because a child is always created after its
 * parent and node 0 is the root context.
 *
 * @example
 * ```ts
 * import { RangeModel, ROOT } from "./_range_model.ts";
 * const model = new RangeModel();
 * model.reset();
 * model.lookup(ROOT, 65, 3, 1); // first "A": only its floor frequency, 65 values below it
 * console.log(model.foundCount, model.foundUnder); // 1 65
 * ```
 */
export class RangeModel {
  /** Byte value of each node. */
  readonly value = new Uint8Array(SYMBOL_CAPACITY);
  /** Frequency of the node's byte in its parent context (8 bits, kept below 256 by rescaling). */
  readonly count = new Uint8Array(SYMBOL_CAPACITY);
  /** Frequency of the node plus everything in its left subtree (cumulative-frequency tree). */
  readonly under = new Uint16Array(SYMBOL_CAPACITY);
  /** Left child in the parent context's tree. */
  readonly left = new Uint16Array(SYMBOL_CAPACITY);
  /** Right child in the parent context's tree. */
  readonly right = new Uint16Array(SYMBOL_CAPACITY);
  /** Root of the tree of symbols seen after this node's byte (the node as a context). */
  readonly symbols = new Uint16Array(SYMBOL_CAPACITY);
  /** Escape frequency of the node as a context. */
  readonly escapes = new Uint16Array(SYMBOL_CAPACITY);
  /** Sum of escape and symbol frequencies of the node as a context. */
  readonly total = new Uint16Array(SYMBOL_CAPACITY);
  /** The same byte's node in the next lower-order context. */
  readonly parent = new Uint16Array(SYMBOL_CAPACITY);

  /** Next free node. */
  nextSymbol = 0;
  /** Result of the last lookup: the node holding the byte. */
  foundSymbol = 0;
  /** Result of the last lookup: cumulative frequency below the byte (excluding escapes). */
  foundUnder = 0;
  /** Result of the last lookup: the byte's frequency before this update (0 = was missing). */
  foundCount = 0;
  /** Result of the last decode lookup: the decoded byte. */
  foundValue = 0;

  /** Empties the table and recreates the root context. */
  reset(): void {
    this.nextSymbol = 0;
    const root = this.#create(0, 0);
    this.escapes[root] = ROOT_ESCAPE_MINIMUM;
    this.total[root] = ROOT_ESCAPE_MINIMUM + 256 * ROOT_SYMBOL_MINIMUM;
  }

  /** True when a byte might not find the nodes it needs; the caller then resets. */
  isFull(): boolean {
    return this.nextSymbol >= SYMBOL_CAPACITY - SUBCONTEXT_ORDER;
  }

  /**
   * Finds `byte` in `context`, inserting it when missing, and adds `update` to its frequency.
   * Sets `foundSymbol`, `foundUnder` and `foundCount` (`minimum` is the floor frequency every
   * byte value has in this context: 1 for the root, 0 above).
   */
  lookup(context: number, byte: number, update: number, minimum: number): void {
    let under = byte * minimum;
    let count = minimum;
    let node = this.symbols[context];
    if (node === 0) {
      this.symbols[context] = this.foundSymbol = this.#create(byte, update);
    } else {
      for (;;) {
        const nodeValue = this.value[node];
        if (byte < nodeValue) {
          this.under[node] += update;
          if (this.left[node] !== 0) {
            node = this.left[node];
            continue;
          }
          this.left[node] = this.foundSymbol = this.#create(byte, update);
        } else if (byte > nodeValue) {
          under += this.under[node];
          if (this.right[node] !== 0) {
            node = this.right[node];
            continue;
          }
          this.right[node] = this.foundSymbol = this.#create(byte, update);
        } else {
          count += this.count[node];
          under += this.under[node] - this.count[node];
          this.under[node] += update;
          this.count[node] += update;
          this.foundSymbol = node;
        }
        break;
      }
    }
    this.foundUnder = under & 0xffff;
    this.foundCount = count & 0xffff;
  }

  /**
   * Finds the symbol whose frequency interval holds `code` in `context` and adds `update` to it.
   * In the root (`minimum` 1) a code that falls between known symbols names a byte not seen yet,
   * which is inserted; in higher contexts that means corrupt input and `false` is returned.
   * Sets `foundSymbol`, `foundUnder`, `foundCount` and `foundValue`.
   */
  decodeLookup(context: number, code: number, update: number, minimum: number): boolean {
    let under = 0;
    let count = minimum;
    let node = this.symbols[context];
    if (node === 0) {
      if (minimum === 0) return false;
      this.foundValue = code & 0xff;
      under = code;
      this.symbols[context] = this.foundSymbol = this.#create(this.foundValue, update);
    } else {
      for (;;) {
        const nodeValue = this.value[node];
        const after = (under + this.under[node] + (nodeValue + 1) * minimum) & 0xffff;
        const before = (this.count[node] + minimum) & 0xffff;
        if (code >= after) {
          under = (under + this.under[node]) & 0xffff;
          if (this.right[node] !== 0) {
            node = this.right[node];
            continue;
          }
          if (minimum === 0) return false;
          // Bytes between this node and the next known one each own `minimum` of the range.
          this.foundValue = (nodeValue + 1 + (code - after)) & 0xff;
          under = code;
          this.right[node] = this.foundSymbol = this.#create(this.foundValue, update);
        } else if (code < after - before) {
          this.under[node] += update;
          if (this.left[node] !== 0) {
            node = this.left[node];
            continue;
          }
          if (minimum === 0) return false;
          this.foundValue = (nodeValue - 1 - (after - before - code - 1)) & 0xff;
          under = code;
          this.left[node] = this.foundSymbol = this.#create(this.foundValue, update);
        } else {
          this.foundValue = nodeValue;
          count += this.count[node];
          under = after - before;
          this.under[node] += update;
          this.count[node] += update;
          this.foundSymbol = node;
        }
        break;
      }
    }
    this.foundUnder = under & 0xffff;
    this.foundCount = count & 0xffff;
    return true;
  }

  /** Halves every frequency of `context` (and its escapes) once they grow too large. */
  rescale(context: number, minimum: number): void {
    const first = this.symbols[context];
    const symbolTotal = first !== 0 ? this.#rescaleTree(first) : 0;
    this.escapes[context] -= this.escapes[context] >> 1;
    this.total[context] = symbolTotal + this.escapes[context] + 256 * minimum;
  }

  /** Halves the counts of a subtree, rebuilds its cumulative frequencies, returns their sum. */
  #rescaleTree(start: number): number {
    let total = 0;
    let node = start;
    for (;;) {
      this.count[node] -= this.count[node] >> 1;
      let under = this.count[node];
      if (this.left[node] !== 0) under += this.#rescaleTree(this.left[node]);
      this.under[node] = under;
      total = (total + this.under[node]) & 0xffff;
      if (this.right[node] === 0) break;
      node = this.right[node];
    }
    return total;
  }

  #create(byte: number, count: number): number {
    const node = this.nextSymbol++;
    this.value[node] = byte;
    this.count[node] = count;
    this.under[node] = count;
    this.left[node] = 0;
    this.right[node] = 0;
    this.symbols[node] = 0;
    this.escapes[node] = 0;
    this.total[node] = 0;
    this.parent[node] = 0;
    return node;
  }
}
