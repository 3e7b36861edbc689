/**
 * The phased stop: readiness first, then (after shutdown_delay) no new connections, requests in flight finish with
 * `connection: close`, idle keep-alive connections close at once, and no other service is finalized before that.
 */
import { setImmediate as nextTurn } from 'node:timers/promises'
import { Service } from '@tsab/core'
import { TestClock } from '@tsab/core/testing'
import { describe, expect, it } from 'vitest'
import { collectUnhandledRejections, Level, memoryLogger, openSocket, startWeb, stopAppsAfterEach, type WebApp } from '../support/web-app.js'

collectUnhandledRejections()
stopAppsAfterEach()

function canConnect(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = openSocket(url)
    socket.on('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.on('error', () => resolve(false))
  })
}

/** Adds `GET /slow`, answering only once `release()` is called. */
function slowRoute(app: WebApp): { entered: Promise<void>; release: () => void } {
  let entered!: () => void
  let release!: () => void
  const enteredPromise = new Promise<void>((resolve) => (entered = resolve))
  const gate = new Promise<void>((resolve) => (release = resolve))
  app.web.server.get('/slow', async () => {
    entered()
    await gate
    return { slow: true }
  })
  return { entered: enteredPromise, release }
}

describe('phased stop', () => {
  it('stops accepting, lets the request in flight finish with connection: close, and finalizes nothing before', async () => {
    const calls: string[] = []
    class Recorder extends Service {
      override finalize() {
        calls.push('Recorder:finalize')
      }
    }
    const { logger, lines } = memoryLogger()
    let slow!: ReturnType<typeof slowRoute>
    const { app, url } = await startWeb({
      logger,
      setup: (a) => {
        a.addService(Recorder)
        slow = slowRoute(a)
        a.web.server.addHook('onResponse', async (request) => void calls.push(`sent ${request.url}`))
      },
    })
    const response = fetch(`${url}/slow`)
    await slow.entered
    const stopping = app.stop()
    expect(app.web.readiness).toBe('stopping')
    await nextTurn()
    expect(await canConnect(url)).toBe(false)
    await nextTurn()
    expect(calls).toEqual([])
    slow.release()
    const res = await response
    expect(res.status).toBe(200)
    expect(res.headers.get('connection')).toBe('close')
    expect(await res.json()).toEqual({ slow: true })
    expect(await stopping).toBe(0)
    expect(calls).toEqual(['sent /slow', 'Recorder:finalize'])
    expect(lines.some((line) => line.msg === 'HTTP server closed')).toBe(true)
    expect(lines.filter((line) => line.level >= Level.warn)).toEqual([])
  })

  it('a request pipelined behind the one in flight is not started: the answer closes the connection', async () => {
    const { logger, lines } = memoryLogger()
    let slow!: ReturnType<typeof slowRoute>
    const { app, url } = await startWeb({ logger, setup: (a) => void (slow = slowRoute(a)) })
    const socket = openSocket(url)
    let received = ''
    socket.setEncoding('utf8')
    socket.on('data', (data: string) => void (received += data))
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()))
    await new Promise<void>((resolve) => socket.on('connect', () => resolve()))
    socket.write('GET /slow HTTP/1.1\r\nHost: t\r\n\r\nGET /health/live HTTP/1.1\r\nHost: t\r\n\r\n')
    await slow.entered
    const stopping = app.stop()
    await nextTurn()
    slow.release()
    await closed
    expect(await stopping).toBe(0)
    expect(received).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*connection: close[\s\S]*\{"slow":true\}$/i)
    expect(lines.filter((line) => 'status' in line).map((line) => line.url)).toEqual(['/slow'])
  })

  it('closes idle keep-alive connections at once, without waiting for any timeout', async () => {
    // A TestClock that never advances: no shutdown deadline can fire, so stop() returns only if the idle
    // connection is closed right away. keep_alive_timeout is long so Node's own idle timer cannot help either.
    const clock = new TestClock()
    const { app, url } = await startWeb({ clock, web: { keep_alive_timeout: '60s' } })
    const socket = openSocket(url)
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()))
    const answered = new Promise<string>((resolve) => socket.once('data', (data) => resolve(String(data))))
    socket.write('GET /health/live HTTP/1.1\r\nHost: t\r\n\r\n')
    expect(await answered).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*connection: keep-alive/i)
    expect(await app.stop()).toBe(0)
    await closed
    expect(socket.destroyed).toBe(true)
  })

  it('cuts off requests still in flight after [web] shutdown_timeout and says how many', async () => {
    const { logger, lines } = memoryLogger()
    let slow!: ReturnType<typeof slowRoute>
    const { app, url } = await startWeb({ logger, web: { shutdown_timeout: '100ms' }, setup: (a) => void (slow = slowRoute(a)) })
    const response = fetch(`${url}/slow`)
    await slow.entered
    expect(await app.stop()).toBe(0)
    await expect(response).rejects.toThrow()
    expect(lines).toContainEqual(
      expect.objectContaining({ level: Level.warn, connections: 1, shutdownTimeoutMs: 100, msg: '1 connection(s) still busy after 100 ms; closed them' }),
    )
    slow.release() // the handler finishes into a closed socket: nothing is sent, nothing throws
  })

  it('keeps accepting during [web] shutdown_delay (readiness already 503), then stops', async () => {
    const clock = new TestClock()
    const { app, url } = await startWeb({ clock, web: { shutdown_delay: '5s' } })
    const stopping = app.stop()
    await nextTurn()
    expect(await canConnect(url)).toBe(true)
    const ready = await fetch(`${url}/health/ready`)
    expect(ready.status).toBe(503)
    expect(ready.headers.get('connection')).not.toBe('close')
    clock.advance(5_000)
    expect(await stopping).toBe(0)
    expect(await canConnect(url)).toBe(false)
  })

  it('a stop during init-time never listens and leaves nothing open', async () => {
    const { WebApp } = await import('../support/web-app.js')
    const app = new WebApp({ handleSignals: false, config: { logging: { level: 'silent' }, web: { listen: '127.0.0.1:0' } } })
    const listening = app.web.onListening()
    listening.catch(() => {})
    const starting = app.start()
    const stopped = app.stop()
    await starting
    expect(await stopped).toBe(0)
    expect(app.web.addresses).toEqual([])
    await expect(listening).rejects.toThrow()
  })
})
