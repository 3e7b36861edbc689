/**
 * `observed()`: marks a promise the public API hands out as handled, so a caller who attaches its handler only a
 * macrotask later (or never) gets no `unhandledRejection`. The caller still sees the rejection: the same promise is
 * returned, and marking it handled does not consume its outcome. Internal: not exported from the package.
 */

const noop = (): void => {}

/**
 * Marks `promise` as observed and returns it unchanged (the very same object), so `await promise` and
 * `promise.catch(...)` still see its rejection while Node never reports it as unhandled.
 */
export function observed<T>(promise: Promise<T>): Promise<T> {
  promise.catch(noop)
  return promise
}

/** `Promise.reject(error)`, already observed. */
export function rejected<T = never>(error: unknown): Promise<T> {
  return observed(Promise.reject(error) as Promise<T>)
}
