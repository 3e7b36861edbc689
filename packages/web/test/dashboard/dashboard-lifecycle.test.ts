/**
 * The dashboard's lifecycle: it starts observing and sampling in initialize() and releases everything at stop:
 * the observer is removed, no timer is left on the app's clock, the event-loop histogram is disabled, open event
 * streams are ended (without holding the WebService's drain up until shutdown_timeout) and new ones refused.
 */
import type { IntervalHistogram } from 'node:perf_hooks'
import { TestClock } from '@tsab/core/testing'
import { describe, expect, it, vi } from 'vitest'
import { openEventStream } from '../support/sse.js'
import { collectUnhandledRejections, startWeb, stopAppsAfterEach, type WebApp } from '../support/web-app.js'

// Every event-loop histogram the dashboard creates, to check that it is disabled at stop.
const histograms = vi.hoisted(() => [] as IntervalHistogram[])
vi.mock('node:perf_hooks', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:perf_hooks')>()
  return {
    ...actual,
    monitorEventLoopDelay: (options?: { resolution?: number }) => {
      const histogram = actual.monitorEventLoopDelay(options)
      histograms.push(histogram)
      return histogram
    },
  }
})

collectUnhandledRejections()
stopAppsAfterEach()

/** Wraps `observe()` before the app starts, to count live observers. */
function countObservers(app: WebApp): { live: () => number } {
  let live = 0
  const observe = app.taskService.observe.bind(app.taskService)
  vi.spyOn(app.taskService, 'observe').mockImplementation((observer) => {
    const stop = observe(observer)
    live++
    let stopped = false
    return () => {
      if (!stopped) live--
      stopped = true
      stop()
    }
  })
  return { live: () => live }
}

describe('dashboard lifecycle', () => {
  it('observes while running and releases the observer, its timers and the loop histogram at stop', async () => {
    histograms.length = 0
    const clock = new TestClock()
    let observers!: { live: () => number }
    const { app, url } = await startWeb({ clock, web: { dashboard: true }, setup: (created) => (observers = countObservers(created)) })
    expect(observers.live()).toBe(1)
    expect(histograms).toHaveLength(1)
    expect(clock.pending).toBeGreaterThan(0) // the sampling timer

    // Sampling runs on the app's clock: advancing it a second makes a stats event.
    const stream = await openEventStream(`${url}/tsab/api/events`)
    await stream.waitFor('stats')
    const seen = stream.events.length
    await clock.advance(1_000)
    await vi.waitFor(() => expect(stream.events.length).toBeGreaterThan(seen))

    const stopping = app.stop()
    await clock.runAll()
    await stopping
    await stream.ended
    expect(observers.live()).toBe(0)
    expect(clock.pending).toBe(0)
    // disable() answers false when the histogram was already disabled.
    expect(histograms[0]!.disable()).toBe(false)
  })

  it('ends open event streams when the drain starts, so a stop is not held up until shutdown_timeout', async () => {
    const { app, url } = await startWeb({ web: { dashboard: true, shutdown_timeout: '20s' } })
    const streams = await Promise.all([openEventStream(`${url}/tsab/api/events`), openEventStream(`${url}/tsab/api/events`)])
    await Promise.all(streams.map((stream) => stream.waitFor('stats')))
    const started = performance.now()
    await app.stop()
    await Promise.all(streams.map((stream) => stream.ended))
    // Far below the 20 s drain deadline: the streams ended at once.
    expect(performance.now() - started).toBeLessThan(5_000)
  })

  it('a WebService that never started stops cleanly with the dashboard on', async () => {
    await expect(startWeb({ web: { dashboard: true, listen: '0.0.0.0:0' } })).rejects.toThrow('[web] dashboard_token')
  })
})
