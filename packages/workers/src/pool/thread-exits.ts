/**
 * Every pool thread until it has exited, so that shutdown can wait for the last one. Piscina terminates a thread
 * without waiting for it (a cancelled run's thread, an idle one), and when such a thread's exit arrives after the
 * pool was destroyed, Piscina starts a replacement; shutdown therefore destroys again until no thread is left.
 */
import type { Worker } from 'node:worker_threads'

export class ThreadExits {
  // Live threads and the promise of their exit.
  readonly #alive = new Map<Worker, Promise<void>>()

  /** Starts following `threads` (those already followed are skipped). */
  track(threads: Iterable<Worker>): void {
    for (const thread of threads) {
      // Node sets threadId to -1 once the thread has exited: nothing left to wait for.
      if (this.#alive.has(thread) || thread.threadId === -1) continue
      this.#alive.set(
        thread,
        new Promise<void>((resolve) => thread.once('exit', () => resolve())).then(() => void this.#alive.delete(thread)),
      )
    }
  }

  /** Resolves when every followed thread has exited. */
  allExited(): Promise<unknown> {
    return Promise.all(this.#alive.values())
  }
}
