/**
 * The application's PubSub (spec §5): it logs failing subscribers through the app logger, waits on the app clock,
 * and carries the app's tick messages to `@subscribe`d methods.
 */
import { describe, expect, it } from 'vitest'
import { TimeoutError } from '../../src/errors/cancellation.js'
import { Messages } from '../../src/pubsub/messages.js'
import { subscribe } from '../../src/pubsub/subscribe.js'
import { createTestApplication, TestClock } from '../../src/testing/index.js'
import { Level, memoryLogger } from '../support/logs.js'
import { collectUnhandledRejections } from '../support/unhandled.js'

collectUnhandledRejections()

describe('app.pubsub', () => {
  it('logs a failing subscriber through the app logger, with the message name', async () => {
    const { logger, lines } = memoryLogger()
    const app = await createTestApplication({ logger })
    app.pubsub.subscribe('X!', () => {
      throw new Error('in app')
    })
    app.pubsub.publish('X!')
    expect(lines.some((l) => l.level === Level.error && JSON.stringify(l).includes('X!'))).toBe(true)
    await app.stop()
  })

  it('waits on the app clock', async () => {
    const clock = new TestClock()
    const app = await createTestApplication({ clock })
    const outcome = app.pubsub.waitFor('Never!', { timeoutMs: 50 }).catch((e: unknown) => e)
    await clock.advance(50)
    expect(await outcome).toBeInstanceOf(TimeoutError)
    await app.stop()
  })

  it('delivers the app ticks to @subscribe methods of an object registered with subscribeAll', async () => {
    const clock = new TestClock()
    const app = await createTestApplication({ clock, tickPeriodMs: 10 })
    class Counter {
      ticks = 0
      @subscribe(Messages.ApplicationTick)
      tick(): void {
        this.ticks++
      }
    }
    const counter = new Counter()
    const off = app.pubsub.subscribeAll(counter)
    await clock.advance(30)
    off()
    expect(counter.ticks).toBe(3)
    await app.stop()
  })
})
