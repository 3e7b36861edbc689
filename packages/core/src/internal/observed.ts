/**
 * `observed()`: marks a promise the public API hands out as handled, so a caller who attaches its handler only a
 * macrotask later (or never) gets no `unhandledRejection`. The caller still sees the rejection: the same promise is
 * returned, and marking it handled does not consume its outcome. Exported for other tsab packages from
 * `@tsab/core/support`.
 */

const noop = (): void => {}

/**
 * Marks `promise` as observed and returns it unchanged (the very same object), so `await promise` and
 * `promise.catch(...)` still see its rejection while Node never reports it as unhandled.
 *
 * @example
 * ```ts
 * import { observed } from '@tsab/core/support'
 * const reply = observed(fetch('http://127.0.0.1:1/unreachable'))
 * // ... a macrotask or more later, the caller still gets the rejection:
 * await reply.catch((error: unknown) => console.log('failed:', (error as Error).message))
 * ```
 */
export function observed<T>(promise: Promise<T>): Promise<T> {
  promise.catch(noop)
  return promise
}

/**
 * `Promise.reject(error)`, already observed: for an API that fails at once but hands out a promise.
 *
 * @example
 * ```ts
 * import { rejected } from '@tsab/core/support'
 * function cancelJob(id: unknown): Promise<void> {
 *   if (typeof id !== 'string') return rejected(new TypeError('Expected `id` to be a string'))
 *   return Promise.resolve()
 * }
 * ```
 */
export function rejected<T = never>(error: unknown): Promise<T> {
  return observed(Promise.reject(error) as Promise<T>)
}
