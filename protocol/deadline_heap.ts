/**
 * An indexed binary min-heap of objects keyed by their `deadline`, with O(log n) update and
 * removal of any member (each item stores its heap index). Pure: the host keeps one entry per
 * connection here so the next deadline is O(1) instead of a scan over every connection.
 *
 * @module
 */

/**
 * What a {@link DeadlineHeap} member carries: its key and its slot (-1 when not in a heap).
 *
 * @example
 * ```ts
 * import type { HeapItem } from "./deadline_heap.ts";
 * const item: HeapItem = { deadline: 10, heapIndex: -1 };
 * ```
 */
export interface HeapItem {
  /** Absolute time; Infinity = no deadline. */
  deadline: number;
  /** Position in the heap, maintained by the heap (-1 = not a member). */
  heapIndex: number;
}

/**
 * Min-heap by `deadline`. Items without a deadline (Infinity) are not stored.
 *
 * @example
 * ```ts
 * import { DeadlineHeap } from "./deadline_heap.ts";
 * const heap = new DeadlineHeap<{ deadline: number; heapIndex: number; name: string }>();
 * const a = { deadline: 0, heapIndex: -1, name: "a" }, b = { deadline: 0, heapIndex: -1, name: "b" };
 * heap.set(a, 50);
 * heap.set(b, 20);
 * console.log(heap.peek()?.name); // "b"
 * heap.set(b, 80); // moved later
 * console.log(heap.peek()?.name, heap.size); // "a" 2
 * ```
 */
export class DeadlineHeap<T extends HeapItem> {
  readonly #items: T[] = [];

  /** Number of members. */
  get size(): number {
    return this.#items.length;
  }

  /** The member with the earliest deadline. */
  peek(): T | undefined {
    return this.#items[0];
  }

  /** Sets `item`'s deadline, inserting, moving or (for Infinity) removing it. */
  set(item: T, deadline: number): void {
    if (!(deadline < Infinity)) {
      this.remove(item);
      item.deadline = Infinity;
      return;
    }
    const old = item.deadline;
    item.deadline = deadline;
    const i = item.heapIndex;
    if (i < 0) {
      item.heapIndex = this.#items.length;
      this.#items.push(item);
      this.#up(item.heapIndex);
    } else if (deadline < old) this.#up(i);
    else if (deadline > old) this.#down(i);
  }

  /** Removes `item` if it is a member. */
  remove(item: T): void {
    const i = item.heapIndex;
    if (i < 0) return;
    const items = this.#items;
    const last = items.pop()!;
    item.heapIndex = -1;
    if (last === item) return;
    items[i] = last;
    last.heapIndex = i;
    this.#up(i);
    this.#down(last.heapIndex);
  }

  /** Removes every member. */
  clear(): void {
    for (const item of this.#items) item.heapIndex = -1;
    this.#items.length = 0;
  }

  #up(i: number): void {
    const items = this.#items, item = items[i];
    while (i > 0) {
      const parent = (i - 1) >> 1, p = items[parent];
      if (p.deadline <= item.deadline) break;
      items[i] = p;
      p.heapIndex = i;
      i = parent;
    }
    items[i] = item;
    item.heapIndex = i;
  }

  #down(i: number): void {
    const items = this.#items, n = items.length, item = items[i];
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && items[child + 1].deadline < items[child].deadline) child++;
      const c = items[child];
      if (c.deadline >= item.deadline) break;
      items[i] = c;
      c.heapIndex = i;
      i = child;
    }
    items[i] = item;
    item.heapIndex = i;
  }
}
