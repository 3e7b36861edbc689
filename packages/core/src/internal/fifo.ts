/**
 * `Fifo`: an array-backed first-in first-out buffer with O(1) `shift()`, behind `Queue` and the PubSub message
 * iterator. Internal: not exported from the package.
 */

/**
 * Items are read from a head index instead of `Array#shift()`; the consumed prefix is dropped in batches (at once
 * when the buffer empties, else once it is at least 1024 slots and half the array), so a busy buffer never grows for ever.
 */
export class Fifo<T> {
  // Buffered items from #head on; the slots before #head are consumed (cleared, so they hold no references).
  #items: T[] = []
  #head = 0

  /** The number of buffered items. */
  get size(): number {
    return this.#items.length - this.#head
  }

  /** Appends `item` at the back. */
  push(item: T): void {
    this.#items.push(item)
  }

  /** Puts `item` back at the front (it is the next one `shift()` returns). */
  unshift(item: T): void {
    if (this.#head > 0) this.#items[--this.#head] = item
    else this.#items.unshift(item)
  }

  /** Removes and returns the front item; the caller checks `size > 0` first. */
  shift(): T {
    const item = this.#items[this.#head] as T
    this.#items[this.#head++] = undefined as T
    if (this.#head === this.#items.length) {
      this.#items = []
      this.#head = 0
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head)
      this.#head = 0
    }
    return item
  }

  /** Drops every buffered item. */
  clear(): void {
    this.#items = []
    this.#head = 0
  }
}
