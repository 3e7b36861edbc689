/**
 * `BinaryHeap`: a binary min-heap ordered by a comparator. Behind `TestClock` and the TaskManager's ordered timers
 * (deadline order, equal deadlines in arming order); exported for other tsab packages from `@tsab/core/support`.
 */

/**
 * A min-heap: `pop()` returns the item for which `less` holds against every other one. O(log n) `push` and `pop`.
 * Equal items come out in no particular order: add a sequence number to the comparison for FIFO among equals.
 *
 * @example
 * ```ts
 * import { BinaryHeap } from '@tsab/core/support'
 * interface Job { priority: number; seq: number; name: string }
 * const ready = new BinaryHeap<Job>((a, b) => a.priority < b.priority || (a.priority === b.priority && a.seq < b.seq))
 * ready.push({ priority: 2, seq: 0, name: 'report' })
 * ready.push({ priority: 1, seq: 1, name: 'alert' })
 * console.log(ready.pop()?.name, ready.size) // alert 1
 * ```
 */
export class BinaryHeap<T> {
  // Array-backed complete binary tree: the children of i are at 2i+1 and 2i+2; index 0 is the minimum.
  #items: T[] = []
  readonly #less: (a: T, b: T) => boolean

  /**
   * Creates an empty heap.
   *
   * @param less - true when `a` must come out before `b`
   * @example
   * ```ts
   * import { BinaryHeap } from '@tsab/core/support'
   * const deadlines = new BinaryHeap<number>((a, b) => a < b)
   * ```
   */
  constructor(less: (a: T, b: T) => boolean) {
    this.#less = less
  }

  /** The number of items. */
  get size(): number {
    return this.#items.length
  }

  /**
   * The smallest item, left in the heap (`undefined` when empty).
   *
   * @example
   * ```ts
   * const next = deadlines.peek()
   * ```
   */
  peek(): T | undefined {
    return this.#items[0]
  }

  /**
   * Adds `item`.
   *
   * @example
   * ```ts
   * deadlines.push(performance.now() + 1_000)
   * ```
   */
  push(item: T): void {
    const items = this.#items
    items.push(item)
    let i = items.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!this.#less(items[i]!, items[parent]!)) break
      ;[items[i], items[parent]] = [items[parent]!, items[i]!]
      i = parent
    }
  }

  /**
   * Removes and returns the smallest item (`undefined` when empty).
   *
   * @example
   * ```ts
   * const due = deadlines.pop()
   * ```
   */
  pop(): T | undefined {
    const items = this.#items
    const top = items[0]
    const last = items.pop()
    if (items.length > 0 && last !== undefined) {
      items[0] = last
      let i = 0
      for (;;) {
        const left = 2 * i + 1
        const right = left + 1
        let smallest = i
        if (left < items.length && this.#less(items[left]!, items[smallest]!)) smallest = left
        if (right < items.length && this.#less(items[right]!, items[smallest]!)) smallest = right
        if (smallest === i) break
        ;[items[i], items[smallest]] = [items[smallest]!, items[i]!]
        i = smallest
      }
    }
    return top
  }

  /**
   * Removes every item.
   *
   * @example
   * ```ts
   * deadlines.clear()
   * ```
   */
  clear(): void {
    this.#items = []
  }
}
