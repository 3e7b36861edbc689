import { describe, expect, it } from 'vitest'
import { shield } from '../../src/concurrency/shield.js'
import { CancelledError } from '../../src/errors/cancellation.js'
import { turns } from '../support/event-loop.js'
import { abortListeners } from '../support/listeners.js'
import { deferred, outcome } from '../support/promises.js'
import { collectUnhandledRejections } from '../support/unhandled.js'

collectUnhandledRejections()

describe('shield()', () => {
  it('follows the task when nothing aborts', async () => {
    const controller = new AbortController()
    await expect(shield(Promise.resolve(7), { signal: controller.signal })).resolves.toBe(7)
    const boom = new Error('boom')
    await expect(shield(Promise.reject(boom), { signal: controller.signal })).rejects.toBe(boom)
    await expect(shield(Promise.resolve(1))).resolves.toBe(1)
    expect(abortListeners(controller.signal)).toBe(0)
  })

  it('rejects with CancelledError(reason) on abort while the inner task keeps running', async () => {
    const controller = new AbortController()
    const inner = deferred<string>()
    const result = outcome(shield(inner.promise, { signal: controller.signal }))
    controller.abort('stop')
    await turns()
    expect(result.state).toBe('rejected')
    expect(result.error).toBeInstanceOf(CancelledError)
    expect((result.error as CancelledError).reason).toBe('stop')
    expect(abortListeners(controller.signal)).toBe(0)
    inner.resolve('finished anyway')
    await expect(inner.promise).resolves.toBe('finished anyway')
  })

  it('still observes the inner rejection after the abort (no unhandled rejection)', async () => {
    const controller = new AbortController()
    const inner = deferred<string>()
    const shielded = shield(inner.promise, { signal: controller.signal })
    controller.abort('stop')
    await expect(shielded).rejects.toBeInstanceOf(CancelledError)
    inner.reject(new Error('late failure'))
    await turns()
  })

  it('rejects at once for an already aborted signal and observes the task', async () => {
    const controller = new AbortController()
    controller.abort('before')
    const task = Promise.reject(new Error('ignored'))
    await expect(shield(task, { signal: controller.signal })).rejects.toMatchObject({ reason: 'before' })
    expect(abortListeners(controller.signal)).toBe(0)
  })

  it('throws TypeError synchronously for a non-thenable', () => {
    expect(() => shield(5 as never)).toThrow(TypeError)
    expect(() => shield(Promise.resolve(), { signal: 1 as never })).toThrow(TypeError)
  })
})
