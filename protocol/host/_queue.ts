/** A bounded FIFO ring buffer (no per-push allocation once grown). @module */

/**
 * FIFO queue with a hard capacity; `push` returns false when full instead of growing.
 *
 * @example
 * ```ts
 * import { BoundedQueue } from "./_queue.ts";
 * const q = new BoundedQueue<number>(2);
 * q.push(1);
 * q.push(2);
 * console.log(q.push(3), q.shift(), q.length); // false 1 1
 * ```
 */
export class BoundedQueue<T> {
  #items: (T | undefined)[] = new Array(8);
  #head = 0;
  #length = 0;
  /** Most items held at once. */
  readonly capacity: number;

  /** Creates an empty queue holding at most `capacity` items. */
  constructor(capacity: number) {
    this.capacity = Math.max(1, capacity);
  }

  /** Items held. */
  get length(): number {
    return this.#length;
  }

  /** Appends; false (and nothing stored) when full. */
  push(item: T): boolean {
    if (this.#length >= this.capacity) return false;
    if (this.#length === this.#items.length) this.#grow();
    this.#items[(this.#head + this.#length) % this.#items.length] = item;
    this.#length++;
    return true;
  }

  /** Removes and returns the oldest item. */
  shift(): T | undefined {
    if (this.#length === 0) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head] = undefined;
    this.#head = (this.#head + 1) % this.#items.length;
    this.#length--;
    return item;
  }

  /** The oldest item, left in place. */
  peek(): T | undefined {
    return this.#length === 0 ? undefined : this.#items[this.#head];
  }

  /** Drops everything. */
  clear(): void {
    this.#items = new Array(8);
    this.#head = 0;
    this.#length = 0;
  }

  #grow(): void {
    const next: (T | undefined)[] = new Array(Math.min(this.#items.length * 2, this.capacity));
    for (let i = 0; i < this.#length; i++) {
      next[i] = this.#items[(this.#head + i) % this.#items.length];
    }
    this.#items = next;
    this.#head = 0;
  }
}
