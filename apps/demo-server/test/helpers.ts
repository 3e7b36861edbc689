/**
 * Test helpers for the demo server: start a DemoApp on a free port, a log collector, raw-socket requests and an
 * unhandled-rejection guard.
 */
import { connect } from 'node:net'
import type { ApplicationOptions } from '@tsab/core'
import { createTestApplication } from '@tsab/core/testing'
import { expect, vi } from 'vitest'
import { DemoApp } from '../src/demo-app.js'

// The in-memory logger and the unhandled-rejection guard are the core package's shared test support.
export { memoryLogger, type LogLine } from '../../../packages/core/test/support/logs.js'
export { collectUnhandledRejections } from '../../../packages/core/test/support/unhandled.js'

/**
 * Config that keeps a DemoApp's QueueService on the memory backend even when `REDIS_URL` is set in the
 * environment: only the tests that mean to use Redis do.
 */
export const MEMORY_QUEUES = { QueueService: { backend: 'memory' } } as const

/**
 * A started DemoApp (no signal handlers, silent unless a logger is given) on 127.0.0.1 and a free port. Its
 * QueueService uses the memory backend even when `REDIS_URL` is set, unless `queueService` says otherwise.
 */
export async function startDemo(
  options: ApplicationOptions & { web?: Record<string, unknown>; queueService?: Record<string, unknown> } = {},
): Promise<{ app: DemoApp; url: string }> {
  vi.stubEnv('PORT', '') // a PORT in the developer's shell must not move the test server
  const { web, queueService, ...rest } = options
  const app = await createTestApplication<DemoApp>(
    {
      ...rest,
      config: {
        ...rest.config,
        web: { listen: '127.0.0.1:0', ...web },
        QueueService: { ...MEMORY_QUEUES.QueueService, ...queueService },
      },
    },
    DemoApp,
  )
  const [address] = await app.web.onListening()
  return { app, url: `http://${address}` }
}

/** POSTs `body` (a string is sent as is, anything else as JSON) to `url`. */
export function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
}

/** A parsed HTTP response read off a raw socket. */
export interface RawResponse {
  status: number
  headers: string
  body: string
}

/**
 * Writes `chunks` to a fresh TCP connection (waiting `gapMs` between them) and resolves with whatever the server
 * answered once it closes the connection.
 */
export function rawRequest(url: string, chunks: string[], gapMs = 0): Promise<RawResponse> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname)
    let received = ''
    socket.setEncoding('utf8')
    socket.on('data', (data: string) => void (received += data))
    // The server may reset a connection it already answered (e.g. a 413 while we were still sending).
    socket.on('error', (error) => (received === '' ? reject(error) : undefined))
    socket.on('close', () => {
      const [head = '', body = ''] = received.split('\r\n\r\n')
      resolve({ status: Number(head.split(' ')[1]), headers: head, body })
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

/** Polls `predicate` every few ms until it holds (or fails the test after `timeoutMs`). */
export async function waitUntil(predicate: () => boolean, timeoutMs = 5_000): Promise<void> {
  await vi.waitFor(() => expect(predicate()).toBe(true), { timeout: timeoutMs, interval: 5 })
}
