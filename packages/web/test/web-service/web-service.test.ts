import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { Messages, OverloadedError, Service } from '@tsab/core'
import { createTestApplication } from '@tsab/core/testing'
import { describe, expect, it, vi } from 'vitest'
import { WebService } from '../../src/index.js'
import { collectUnhandledRejections, Level, memoryLogger, startWeb, stopAppsAfterEach, WebApp } from '../support/web-app.js'

collectUnhandledRejections()
stopAppsAfterEach()

describe('WebService', () => {
  it('is named WebService and exposes its Fastify instance', async () => {
    const { app } = await startWeb()
    expect(app.web.name).toBe('WebService')
    expect(app.getService(WebService)).toBe(app.web)
    expect(typeof app.web.server.get).toBe('function')
  })

  it('listens once init-time is over, so services initialized after it can still add routes', async () => {
    class Late extends Service {
      override initialize() {
        this.app.getService(WebService).server.get('/late', async () => ({ late: true }))
      }
    }
    const { url } = await startWeb({ setup: (app) => app.addService(Late) })
    expect(await (await fetch(`${url}/late`)).json()).toEqual({ late: true })
  })

  it('reports the bound addresses and logs one "Listening on" line per address', async () => {
    const { logger, lines } = memoryLogger()
    const { app } = await startWeb({ logger, web: { listen: '127.0.0.1:0 \n 127.0.0.1:0' } })
    const addresses = app.web.addresses
    expect(addresses).toHaveLength(2)
    for (const address of addresses) {
      expect(address).toMatch(/^127\.0\.0\.1:\d+$/)
      expect((await fetch(`http://${address}/health/live`)).status).toBe(200)
      expect(lines).toContainEqual(expect.objectContaining({ level: Level.info, msg: `Listening on http://${address}`, service: 'WebService' }))
    }
    expect(new Set(addresses).size).toBe(2)
  })

  it('PORT replaces the port of the first address only', async () => {
    const busy = createServer()
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve))
    const busyPort = (busy.address() as AddressInfo).port
    try {
      vi.stubEnv('PORT', '0')
      const app = await createTestApplication<WebApp>({ config: { web: { listen: `127.0.0.1:${busyPort} 127.0.0.1:0` } } }, WebApp)
      try {
        const addresses = await app.web.onListening()
        expect(addresses).toHaveLength(2)
        expect(addresses[0]).not.toBe(`127.0.0.1:${busyPort}`)
      } finally {
        await app.stop()
      }
    } finally {
      busy.close()
    }
  })

  it('a port in use makes start() reject (exit code 1) and onListening() reject', async () => {
    const busy = createServer()
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve))
    const busyPort = (busy.address() as AddressInfo).port
    const { logger } = memoryLogger()
    try {
      const app = new WebApp({ logger, handleSignals: false, config: { web: { listen: `127.0.0.1:0 127.0.0.1:${busyPort}` } } })
      await expect(app.start()).rejects.toThrow(/EADDRINUSE/)
      await expect(app.web.onListening()).rejects.toThrow(/EADDRINUSE|stopped before it listened/)
      expect(await app.stop()).toBe(1)
      expect(app.state).toBe('stopped')
      expect(app.web.addresses).toEqual([])
    } finally {
      busy.close()
    }
  })
})

describe('health probes', () => {
  it('GET and HEAD /health/live answer 200 {"status":"ok"}', async () => {
    const { url } = await startWeb()
    const res = await fetch(`${url}/health/live`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^application\/json/)
    expect(await res.json()).toEqual({ status: 'ok' })
    const head = await fetch(`${url}/health/live`, { method: 'HEAD' })
    expect(head.status).toBe(200)
    expect(await head.text()).toBe('')
  })

  it('GET and HEAD /health/ready answer 200 {"status":"ready"} while the app runs', async () => {
    const { app, url } = await startWeb()
    expect(app.web.readiness).toBe('ready')
    const res = await fetch(`${url}/health/ready`)
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ status: 'ready' })
    expect((await fetch(`${url}/health/ready`, { method: 'HEAD' })).status).toBe(200)
  })

  it('readiness is "starting" before the app runs and "stopping" from the first stop request on', async () => {
    const app = new WebApp({ handleSignals: false, config: { logging: { level: 'silent' }, web: { listen: '127.0.0.1:0' } } })
    expect(app.web.readiness).toBe('starting')
    await app.start()
    await app.web.onListening()
    expect(app.web.readiness).toBe('ready')
    const stopped = app.stop()
    expect(app.web.readiness).toBe('stopping')
    await stopped
    expect(app.web.readiness).toBe('stopping')
  })

  it('answers 503 {"status":"stopping"} during the shutdown delay, while it still serves', async () => {
    const { app, url } = await startWeb({ web: { shutdown_delay: '300ms' } })
    const stopping = app.stop()
    const res = await fetch(`${url}/health/ready`)
    expect(res.status).toBe(503)
    expect(await res.json()).toEqual({ status: 'stopping' })
    expect((await fetch(`${url}/health/live`)).status).toBe(200)
    expect(await stopping).toBe(0)
  })
})

describe('request log', () => {
  it('writes exactly one info line per request with the request id, method, url, status and ms', async () => {
    const { logger, lines } = memoryLogger()
    const { url } = await startWeb({ logger, setup: (app) => app.web.server.get('/x', async () => 'x') })
    lines.length = 0
    await fetch(`${url}/x?y=1`)
    await fetch(`${url}/nope`)
    await vi.waitFor(() => expect(lines.filter((line) => 'status' in line)).toHaveLength(2))
    const requestLines = lines.filter((line) => line.level === Level.info)
    expect(requestLines).toHaveLength(2)
    expect(requestLines[0]).toMatchObject({ service: 'WebService', reqId: expect.any(String), method: 'GET', url: '/x?y=1', status: 200, ms: expect.any(Number) })
    expect(requestLines[0]!.msg).toMatch(/^GET \/x\?y=1 200 [\d.]+ ms$/)
    expect(requestLines[1]).toMatchObject({ method: 'GET', url: '/nope', status: 404 })
    expect(requestLines[0]!.reqId).not.toBe(requestLines[1]!.reqId)
    expect(lines.some((line) => /incoming request|request completed/.test(line.msg))).toBe(false)
  })
})

describe('spawnFromRequest()', () => {
  it('spawns a task whose meta holds the request id and whose owner is the route', async () => {
    const { logger, lines } = memoryLogger()
    let handleId = 0
    const { app, url } = await startWeb({
      logger,
      setup: (a) =>
        a.web.server.post('/work/:id', async (request, reply) => {
          const handle = a.web.spawnFromRequest(request, async function doWork() {
            throw new Error('work failed')
          })
          handleId = handle.id
          expect(handle.owner).toBe('POST /work/:id')
          expect(handle.meta).toEqual({ requestId: request.id })
          return reply.code(202).send({ id: handle.id, requestId: request.id })
        }),
    })
    const res = await fetch(`${url}/work/7`, { method: 'POST' })
    expect(res.status).toBe(202)
    const { requestId } = (await res.json()) as { requestId: string }
    await app.taskService.onIdle()
    expect(lines).toContainEqual(
      expect.objectContaining({ level: Level.error, msg: 'Task "doWork" failed', requestId, taskId: handleId, owner: 'POST /work/:id' }),
    )
  })

  it('keeps the caller\'s name, owner and meta, and always sets meta.requestId', async () => {
    const { app, url } = await startWeb({
      setup: (a) =>
        a.web.server.get('/t', async (request) => {
          const handle = a.web.spawnFromRequest(request, async () => 1, { name: 'n', owner: 'o', meta: { requestId: 'forged', k: 1 } })
          return { name: handle.name, owner: handle.owner, meta: handle.meta, id: request.id }
        }),
    })
    const body = (await (await fetch(`${url}/t`)).json()) as { meta: Record<string, unknown>; id: string }
    expect(body).toEqual({ name: 'n', owner: 'o', meta: { k: 1, requestId: body.id }, id: body.id })
    await app.taskService.onIdle()
  })

  it('an OverloadedError from spawn() becomes 503 with retry-after, and nothing is scheduled', async () => {
    const { app, url } = await startWeb({
      config: { TaskService: { max_queued: 1, max_concurrency: 1 } },
      web: { retry_after: '2s' },
      setup: (a) =>
        a.web.server.post('/spawn', async (request) => {
          a.web.spawnFromRequest(request, (signal) => new Promise((resolve) => signal.addEventListener('abort', resolve)))
          return { ok: true }
        }),
    })
    expect((await fetch(`${url}/spawn`, { method: 'POST' })).status).toBe(200) // runs
    await vi.waitFor(() => expect(app.taskService.stats().running).toBe(1))
    expect((await fetch(`${url}/spawn`, { method: 'POST' })).status).toBe(200) // queued
    const refused = await fetch(`${url}/spawn`, { method: 'POST' })
    expect(refused.status).toBe(503)
    expect(refused.headers.get('retry-after')).toBe('2')
    expect(await refused.json()).toEqual({ error: 'The server is overloaded; retry in 2 s', statusCode: 503, code: 'TSAB_OVERLOADED' })
    expect(app.taskService.stats().scheduled).toBe(2)
    expect(OverloadedError).toBeDefined()
  })
})

describe('cleanup', () => {
  it('leaves no PubSub subscription and no open server behind', async () => {
    const { app, url } = await startWeb()
    const before = { stop: app.pubsub.listenerCount(Messages.ApplicationStop), run: app.pubsub.listenerCount(Messages.ApplicationRun) }
    expect(before.stop).toBeGreaterThan(0)
    await app.stop()
    expect(app.pubsub.listenerCount(Messages.ApplicationStop)).toBe(0)
    expect(app.pubsub.listenerCount(Messages.ApplicationRun)).toBe(0)
    expect(app.web.addresses).toEqual([])
    await expect(fetch(`${url}/health/live`)).rejects.toThrow()
  })

  it('onListening() rejects when the app stops before it ever listened', async () => {
    const app = new WebApp({ handleSignals: false, config: { logging: { level: 'silent' }, web: { listen: '127.0.0.1:0' } } })
    const listening = app.web.onListening()
    const starting = app.start()
    await app.stop()
    await starting
    await expect(listening).rejects.toThrow('The WebService stopped before it listened')
  })
})
