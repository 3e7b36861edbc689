/**
 * Test helpers for @tsab/web: a started application with a WebService on a free loopback port, raw-socket requests,
 * and the core package's shared support (in-memory logger, unhandled-rejection guard).
 */
import { connect, type Socket } from 'node:net'
import { Application, type ApplicationOptions } from '@tsab/core'
import { createTestApplication } from '@tsab/core/testing'
import { afterEach, expect, vi } from 'vitest'
import { WebService } from '../../src/index.js'

export { memoryLogger, Level, type LogLine } from '../../../core/test/support/logs.js'
export { collectUnhandledRejections } from '../../../core/test/support/unhandled.js'

/** An application with a WebService (added first, so `setup` can add routes before init-time). */
export class WebApp extends Application {
  readonly web: WebService
  constructor(options: ApplicationOptions) {
    super(options)
    this.web = this.addService(WebService)
  }
}

const started: Application[] = []

/** Stops every app a test started with {@link startWeb} (register once per file). */
export function stopAppsAfterEach(): void {
  afterEach(async () => {
    for (const app of started.splice(0)) await app.stop()
    vi.unstubAllEnvs()
  })
}

/**
 * Starts a {@link WebApp} listening on 127.0.0.1 and a free port (unless `web.listen` says otherwise), after
 * `setup` had the chance to add routes; resolves once it listens.
 */
export async function startWeb(
  options: ApplicationOptions & { web?: Record<string, unknown>; setup?: (app: WebApp) => void } = {},
): Promise<{ app: WebApp; url: string }> {
  vi.stubEnv('PORT', '') // a PORT in the developer's shell must not move the test server
  const { web, setup, ...rest } = options
  class SetUp extends WebApp {
    constructor(appOptions: ApplicationOptions) {
      super(appOptions)
      setup?.(this)
    }
  }
  const app = await createTestApplication<WebApp>({ ...rest, config: { ...rest.config, web: { listen: '127.0.0.1:0', ...web } } }, SetUp)
  started.push(app)
  const [address] = await app.web.onListening()
  return { app, url: `http://${address}` }
}

/** A parsed HTTP response read off a raw socket. */
export interface RawResponse {
  status: number
  headers: string
  body: string
}

/** Opens a TCP connection to `url`'s host and port. */
export function openSocket(url: string): Socket {
  const { hostname, port } = new URL(url)
  return connect(Number(port), hostname)
}

/**
 * Writes `chunks` to a fresh TCP connection (waiting `gapMs` between them) and resolves with what the server
 * answered once it closes the connection.
 */
export function rawRequest(url: string, chunks: string[], gapMs = 0): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = openSocket(url)
    let received = ''
    socket.setEncoding('utf8')
    socket.on('data', (data: string) => void (received += data))
    // The server may reset a connection it already answered (e.g. a 413 while we were still sending).
    socket.on('error', (error) => (received === '' ? reject(error) : undefined))
    socket.on('close', () => {
      const split = received.indexOf('\r\n\r\n')
      const head = split < 0 ? received : received.slice(0, split)
      resolve({ status: Number(head.split(' ')[1]), headers: head, body: split < 0 ? '' : received.slice(split + 4) })
    })
    socket.on('connect', async () => {
      for (const chunk of chunks) {
        if (socket.destroyed) return
        socket.write(chunk)
        if (gapMs > 0) await new Promise((r) => setTimeout(r, gapMs))
      }
    })
  })
}

/** POSTs `body` (a string as is, anything else as JSON) to `url`. */
export function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
}

/** Polls `predicate` until it holds (fails the test after `timeoutMs`). */
export async function waitUntil(predicate: () => boolean, timeoutMs = 5_000): Promise<void> {
  await vi.waitFor(() => expect(predicate()).toBe(true), { timeout: timeoutMs, interval: 5 })
}
