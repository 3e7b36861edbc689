// @ts-check
/**
 * A small CPU-bound worker module, for examples and the demo: `iterations` rounds of SHA-256 over `input`.
 * Worker modules are called through their default export (the contract of `WorkerPoolService.run()`), hence the
 * one default export of this package. It polls `signal.throwIfAborted()` every 1,024 rounds, so a cancel or a
 * timeout stops it within microseconds even though it never yields to its thread's event loop.
 */
import { createHash } from 'node:crypto'

/**
 * @param {{ input: string, iterations: number }} payload
 * @param {{ signal: AbortSignal }} context
 * @returns {{ digest: string, iterations: number }}
 */
export default function hash(payload, { signal }) {
  const { input, iterations } = payload ?? {}
  if (typeof input !== 'string') throw new TypeError(`Expected \`payload.input\` to be a string, got ${typeof input}`)
  if (!Number.isSafeInteger(iterations) || iterations < 0) {
    throw new RangeError(`Expected \`payload.iterations\` to be an integer >= 0, got ${String(iterations)}`)
  }
  let digest = Buffer.from(input, 'utf8')
  for (let i = 0; i < iterations; i++) {
    if ((i & 1023) === 0) signal.throwIfAborted()
    digest = createHash('sha256').update(digest).digest()
  }
  return { digest: digest.toString('hex'), iterations }
}
