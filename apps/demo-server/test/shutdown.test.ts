import { connect } from 'node:net'
import { setImmediate as nextTurn } from 'node:timers/promises'
import { TestClock } from '@tsab/core/testing'
import { afterEach, describe, expect, it } from 'vitest'
import type { DemoApp } from '../src/demo-app.js'
import { collectUnhandledRejections, MEMORY_QUEUES, memoryLogger, startDemo } from './helpers.js'

collectUnhandledRejections()

let app: DemoApp | undefined
afterEach(async () => {
  await app?.stop()
  app = undefined
})

/** True when a new TCP connection to `url` is accepted. */
function canConnect(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname)
    socket.on('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.on('error', () => resolve(false))
  })
}

/** Adds `GET /slow`, which answers only once `release()` is called. */
function addSlowRoute(target: DemoApp): { entered: Promise<void>; release: () => void } {
  let entered!: () => void
  let release!: () => void
  const enteredPromise = new Promise<void>((resolve) => (entered = resolve))
  const gate = new Promise<void>((resolve) => (release = resolve))
  target.http.addRoute({
    method: 'GET',
    path: '/slow',
    handle: async () => {
      entered()
      await gate
      return { body: { slow: true } }
    },
  })
  return { entered: enteredPromise, release }
}

describe('graceful close at finalize', () => {
  it('stops accepting at once but lets an in-flight request finish', async () => {
    const { logger, lines } = memoryLogger()
    const started = await startDemo({ logger })
    app = started.app
    const slow = addSlowRoute(app)
    const response = fetch(`${started.url}/slow`)
    await slow.entered

    let stopped = false
    const stopping = app.stop().then((code) => {
      stopped = true
      return code
    })
    await nextTurn()
    expect(await canConnect(started.url)).toBe(false)
    await nextTurn()
    expect(stopped).toBe(false) // still waiting for the request in flight
    expect(app.state).toBe('stopping')

    slow.release()
    const res = await response
    expect(res.status).toBe(200)
    expect(res.headers.get('connection')).toBe('close') // the client must not reuse the socket
    expect(await res.json()).toEqual({ slow: true })
    expect(await stopping).toBe(0)
    expect(lines.some((line) => line.msg === 'HTTP server closed')).toBe(true)
    expect(lines.some((line) => line.level >= 40)).toBe(false) // no warning: nothing was cut off
    expect(app.http.url).toBeUndefined()
  })

  it('cuts off requests still in flight after [web] shutdown_timeout and logs a warning', async () => {
    const { logger, lines } = memoryLogger()
    const started = await startDemo({ logger, web: { shutdown_timeout: '50ms' } })
    app = started.app
    const slow = addSlowRoute(app)
    const response = fetch(`${started.url}/slow`)
    await slow.entered

    expect(await app.stop()).toBe(0)
    await expect(response).rejects.toThrow()
    expect(lines).toContainEqual(
      expect.objectContaining({ level: 40, shutdownTimeoutMs: 50, msg: 'Requests still in flight after 50 ms; closing their connections' }),
    )
    slow.release() // the handler finishes into a closed socket: nothing is sent, nothing throws
  })

  it('closes idle keep-alive connections at once, without waiting for any timeout', async () => {
    // With a TestClock that never advances, no shutdown deadline can fire: stop() only returns if the idle
    // connection is closed right away. keepalive_timeout is long so node's own idle timer cannot help either.
    const clock = new TestClock()
    const started = await startDemo({ clock, web: { keepalive_timeout: '60s' } })
    app = started.app
    const { hostname, port } = new URL(started.url)
    const socket = connect(Number(port), hostname)
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()))
    const answered = new Promise<string>((resolve) => socket.once('data', (data) => resolve(String(data))))
    socket.write('GET /health HTTP/1.1\r\nHost: test\r\n\r\n')
    expect(await answered).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*connection: keep-alive/i)

    expect(await app.stop()).toBe(0)
    await closed
    expect(socket.destroyed).toBe(true)
  })

  it('a stop before anything was started leaves no server behind', async () => {
    const { DemoApp } = await import('../src/demo-app.js')
    const created = new DemoApp({ handleSignals: false, config: { ...MEMORY_QUEUES, logging: { level: 'silent' } } })
    expect(await created.stop()).toBe(0)
    expect(created.http.url).toBeUndefined()
  })
})
