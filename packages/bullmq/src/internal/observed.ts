/**
 * `observed()`: marks a promise the QueueService hands out as handled, so a caller who attaches its handler only a
 * macrotask later (or never) gets no `unhandledRejection`. The same promise is returned, so the caller still sees
 * the rejection. Internal: not exported from the package.
 */

const noop = (): void => {}

/** Marks `promise` as observed and returns it unchanged (the very same object). */
export function observed<T>(promise: Promise<T>): Promise<T> {
  promise.catch(noop)
  return promise
}
