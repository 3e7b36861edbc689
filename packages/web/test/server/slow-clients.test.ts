/**
 * Slow clients are cut off by the header and request timeouts while everybody else is still served quickly.
 */
import type { Socket } from 'node:net'
import { describe, expect, it } from 'vitest'
import { collectUnhandledRejections, openSocket, rawRequest, startWeb, stopAppsAfterEach } from '../support/web-app.js'

collectUnhandledRejections()
stopAppsAfterEach()

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!
}

describe('slow clients', () => {
  it('200 connections trickling their headers are cut off with 408, and /health/live keeps answering fast', async () => {
    const { url } = await startWeb({ web: { headers_timeout: '400ms', request_timeout: '800ms' } })
    const sockets: Socket[] = []
    const answers: string[] = []
    const closed: Array<Promise<void>> = []
    const timers: NodeJS.Timeout[] = []
    for (let i = 0; i < 200; i++) {
      const socket = openSocket(url)
      sockets.push(socket)
      let received = ''
      socket.setEncoding('utf8')
      socket.on('data', (data: string) => void (received += data))
      socket.on('error', () => {})
      closed.push(new Promise((resolve) => socket.on('close', () => resolve(void answers.push(received)))))
      socket.on('connect', () => {
        socket.write('GET /health/live HTTP/1.1\r\nHost: t\r\n')
        // One header line every 50 ms: never done, always "active".
        timers.push(setInterval(() => socket.writable && socket.write(`X-Slow-${i}: 1\r\n`), 50))
      })
    }
    try {
      const latencies: number[] = []
      const started = performance.now()
      while (performance.now() - started < 1_000) {
        const t0 = performance.now()
        const res = await fetch(`${url}/health/live`)
        expect(res.status).toBe(200)
        await res.arrayBuffer()
        latencies.push(performance.now() - t0)
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
      await Promise.all(closed)
      const cutAfter = performance.now() - started
      expect(answers).toHaveLength(200)
      expect(answers.every((answer) => answer.startsWith('HTTP/1.1 408 Request Timeout'))).toBe(true)
      expect(cutAfter).toBeLessThan(5_000)
      expect(latencies.length).toBeGreaterThan(10)
      expect(percentile(latencies, 90)).toBeLessThan(50)
    } finally {
      for (const timer of timers) clearInterval(timer)
      for (const socket of sockets) socket.destroy()
    }
  }, 20_000)

  it('a client that sends its headers but not its whole body in time gets 408', async () => {
    const { app, url } = await startWeb({
      web: { headers_timeout: '100ms', request_timeout: '300ms' },
      setup: (a) => a.web.server.post('/in', async () => ({ ok: true })),
    })
    const res = await rawRequest(url, ['POST /in HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 40\r\n\r\n{"a":'])
    expect(res.status).toBe(408)
    expect(JSON.parse(res.body)).toEqual({ error: 'The request was not received in time', statusCode: 408 })
    expect(app.web.readiness).toBe('ready')
  })
})
