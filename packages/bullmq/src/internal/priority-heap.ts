/**
 * `PriorityHeap`: the memory backend's ready queue, a binary min-heap on (priority, sequence) so equal priorities
 * stay FIFO. O(log n) push and pop.
 */

/** An entry the heap can order. */
export interface Prioritised {
  /** 0 for "no priority" (runs first), else 1 (first) … 2,097,152 (last). */
  readonly priority: number
  /** Insertion order, for FIFO among equals. */
  readonly seq: number
}

function before(a: Prioritised, b: Prioritised): boolean {
  return a.priority < b.priority || (a.priority === b.priority && a.seq < b.seq)
}

/** A min-heap of prioritised entries. */
export class PriorityHeap<T extends Prioritised> {
  // Implicit binary tree: children of i at 2i+1 and 2i+2.
  readonly #items: T[] = []

  get size(): number {
    return this.#items.length
  }

  push(item: T): void {
    const items = this.#items
    items.push(item)
    let i = items.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!before(items[i]!, items[parent]!)) break
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
        const l = 2 * i + 1
        const r = l + 1
        let m = i
        if (l < items.length && before(items[l]!, items[m]!)) m = l
        if (r < items.length && before(items[r]!, items[m]!)) m = r
        if (m === i) break
        ;[items[i], items[m]] = [items[m]!, items[i]!]
        i = m
      }
    }
    return top
  }

  clear(): T[] {
    return this.#items.splice(0)
  }
}
