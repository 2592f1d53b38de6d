/**
 * A binary min-heap of timed entries, ordered by time then by insertion order, so that equal
 * times pop deterministically (first scheduled, first out). Shared by the virtual clock, the
 * virtual network and the simulated transport.
 *
 * @module
 */

/**
 * An entry of a {@link TimeHeap}: `time` is the due time, `seq` is set by the heap on push.
 *
 * @example
 * ```ts
 * import type { Timed } from "./time_heap.ts";
 * const entry: Timed = { time: 10, seq: 0 };
 * ```
 */
export interface Timed {
  /** Due time in milliseconds. */
  time: number;
  /** Insertion counter (written by {@link TimeHeap.push}); breaks ties. */
  seq: number;
}

/**
 * Min-heap by `(time, seq)`.
 *
 * @example
 * ```ts
 * import { TimeHeap } from "./time_heap.ts";
 * const heap = new TimeHeap<{ time: number; seq: number; name: string }>();
 * heap.push({ time: 5, seq: 0, name: "late" });
 * heap.push({ time: 1, seq: 0, name: "early" });
 * console.log(heap.pop()?.name); // "early"
 * ```
 */
export class TimeHeap<T extends Timed> {
  #items: T[] = [];
  #seq = 0;

  /** Number of entries. */
  get size(): number {
    return this.#items.length;
  }

  /** The earliest entry, without removing it. */
  peek(): T | undefined {
    return this.#items[0];
  }

  /** Adds an entry (its `seq` is overwritten with the insertion counter). */
  push(item: T): void {
    item.seq = this.#seq++;
    const items = this.#items;
    let i = items.length;
    items.push(item);
    // sift up
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = items[parent];
      if (p.time < item.time || (p.time === item.time && p.seq < item.seq)) break;
      items[i] = p;
      i = parent;
    }
    items[i] = item;
  }

  /** Removes and returns the earliest entry. */
  pop(): T | undefined {
    const items = this.#items;
    const n = items.length;
    if (n === 0) return undefined;
    const top = items[0];
    const last = items.pop()!;
    if (n > 1) {
      // sift down
      const size = n - 1;
      let i = 0;
      for (;;) {
        let child = 2 * i + 1;
        if (child >= size) break;
        const right = child + 1;
        if (right < size && less(items[right], items[child])) child = right;
        if (!less(items[child], last)) break;
        items[i] = items[child];
        i = child;
      }
      items[i] = last;
    }
    return top;
  }

  /** Removes every entry. */
  clear(): void {
    this.#items.length = 0;
  }
}

function less(a: Timed, b: Timed): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}
