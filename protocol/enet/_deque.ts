/** A growable ring buffer queue (O(1) push/shift/unshift). @module */

/**
 * Double-ended queue.
 *
 * @example
 * ```ts
 * import { Deque } from "./_deque.ts";
 * const q = new Deque<number>();
 * q.push(2); q.unshift(1);
 * console.log(q.shift(), q.peek(), q.length); // 1 2 1
 * ```
 */
export class Deque<T> {
  #items: (T | undefined)[] = new Array(16);
  #head = 0;
  #size = 0;

  /** Number of items. */
  get length(): number {
    return this.#size;
  }

  /** Appends at the back. */
  push(item: T): void {
    if (this.#size === this.#items.length) this.#grow();
    this.#items[(this.#head + this.#size) % this.#items.length] = item;
    this.#size++;
  }

  /** Inserts at the front. */
  unshift(item: T): void {
    if (this.#size === this.#items.length) this.#grow();
    this.#head = (this.#head - 1 + this.#items.length) % this.#items.length;
    this.#items[this.#head] = item;
    this.#size++;
  }

  /** Removes and returns the front item. */
  shift(): T | undefined {
    if (this.#size === 0) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head] = undefined;
    this.#head = (this.#head + 1) % this.#items.length;
    this.#size--;
    return item;
  }

  /** The front item. */
  peek(): T | undefined {
    return this.#size === 0 ? undefined : this.#items[this.#head];
  }

  /** The item at position `i` from the front. */
  at(i: number): T | undefined {
    return i < 0 || i >= this.#size
      ? undefined
      : this.#items[(this.#head + i) % this.#items.length];
  }

  /** Removes everything. */
  clear(): void {
    this.#items = new Array(16);
    this.#head = 0;
    this.#size = 0;
  }

  /** Keeps only the items for which `keep` is true, in order. */
  filter(keep: (item: T) => boolean): void {
    const kept: (T | undefined)[] = [];
    for (let i = 0; i < this.#size; i++) {
      const item = this.#items[(this.#head + i) % this.#items.length] as T;
      if (keep(item)) kept.push(item);
    }
    const capacity = Math.max(16, this.#items.length);
    this.#items = new Array(capacity);
    for (let i = 0; i < kept.length; i++) this.#items[i] = kept[i];
    this.#head = 0;
    this.#size = kept.length;
  }

  #grow(): void {
    const next: (T | undefined)[] = new Array(this.#items.length * 2);
    for (let i = 0; i < this.#size; i++) {
      next[i] = this.#items[(this.#head + i) % this.#items.length];
    }
    this.#items = next;
    this.#head = 0;
  }
}
