/**
 * `deferred()`: a promise with its `resolve` and `reject` taken out, for code that settles a promise from a callback
 * far from where it was made. Internal: not exported from the package.
 */

/** A promise and the two functions that settle it. */
export interface Deferred<T> {
  readonly promise: Promise<T>
  readonly resolve: (value: T) => void
  readonly reject: (error: unknown) => void
}

/** Makes a {@link Deferred}. Its promise is not pre-observed: a caller that may reject it must observe it. */
export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void
  let reject!: (error: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}
