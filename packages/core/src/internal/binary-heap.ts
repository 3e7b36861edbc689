/**
 * A small binary min-heap ordered by a comparator. Internal: used by `TestClock` to fire timers in
 * deadline order with equal deadlines in creation order.
 */
export class BinaryHeap<T> {
  // Array-backed complete binary tree; index 0 is the minimum.
  readonly #items: T[] = []
  readonly #less: (a: T, b: T) => boolean

  constructor(less: (a: T, b: T) => boolean) {
    this.#less = less
  }

  get size(): number {
    return this.#items.length
  }

  peek(): T | undefined {
    return this.#items[0]
  }

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
}
