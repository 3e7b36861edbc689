import { afterEach, describe, expect, it, vi } from 'vitest'
import type { DemoApp } from '../src/demo-app.js'
import { collectUnhandledRejections, MEMORY_QUEUES, postJson, rawRequest, startDemo } from './helpers.js'

collectUnhandledRejections()

let app: DemoApp | undefined
afterEach(async () => {
  await app?.stop()
  app = undefined
  vi.unstubAllEnvs()
})

async function start(web: Record<string, unknown> = {}): Promise<string> {
  const started = await startDemo({ web })
  app = started.app
  return started.url
}

/** Asserts that no job was scheduled since `before` (the heartbeat is the only task). */
function expectNothingScheduled(before: number): void {
  expect(app!.taskService.stats().scheduled).toBe(before)
  expect(app!.taskService.list().map((info) => info.name)).toEqual(['heartbeat'])
}

const INTEGER = 'to be an integer from 1 to 1000'

describe('POST /jobs with a bad body answers 400 and schedules nothing', () => {
  it.each([
    ['invalid JSON', '{"kind": "email",', 'Request body is not valid JSON'],
    ['an empty body', '', 'Request body is empty; expected a JSON object'],
    ['blank space only', '  \n', 'Request body is empty; expected a JSON object'],
    ['an array', '[{"kind": "email", "count": 1}]', 'Expected a JSON object like {"kind": "email", "count": 3}, got [{"kind":"email","count":1}]'],
    ['null', 'null', 'Expected a JSON object like'],
    ['a string', '"email"', 'Expected a JSON object like'],
    ['a missing kind', '{"count": 1}', 'Missing field `kind`; expected one of: email, resize, fail'],
    ['an unknown kind', '{"kind": "fax", "count": 1}', 'Unknown job kind "fax"; expected one of: email, resize, fail'],
    ['a kind that is not a string', '{"kind": 5, "count": 1}', 'Unknown job kind 5; expected one of'],
    ['an inherited property name as kind', '{"kind": "constructor", "count": 1}', 'Unknown job kind "constructor"'],
    ['a missing count', '{"kind": "email"}', 'Missing field `count`; expected an integer from 1 to 1000'],
    ['count 0', '{"kind": "email", "count": 0}', `Expected \`count\` ${INTEGER}, got 0 (number)`],
    ['count -1', '{"kind": "email", "count": -1}', `${INTEGER}, got -1 (number)`],
    ['count 1001', '{"kind": "email", "count": 1001}', `${INTEGER}, got 1001 (number)`],
    ['a fractional count', '{"kind": "email", "count": 1.5}', `${INTEGER}, got 1.5 (number)`],
    ['a count too large for a double', '{"kind": "email", "count": 1e400}', `${INTEGER}, got Infinity (number)`],
    ['a count given as a string', '{"kind": "email", "count": "3"}', `${INTEGER}, got "3" (string)`],
    ['a null count', '{"kind": "email", "count": null}', `${INTEGER}, got null (object)`],
    ['a boolean count', '{"kind": "email", "count": true}', `${INTEGER}, got true (boolean)`],
    ['an unknown field', '{"kind": "email", "count": 1, "priority": 9}', 'Unknown field(s) `priority`; expected only `kind`, `count` and `distributed`'],
    ['a __proto__ field', '{"kind": "email", "count": 1, "__proto__": {"polluted": true}}', 'Unknown field(s) `__proto__`'],
  ])('%s', async (_case, body, message) => {
    const url = await start()
    const before = app!.taskService.stats().scheduled
    const res = await postJson(`${url}/jobs`, body)
    expect(res.status).toBe(400)
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8')
    const answer = (await res.json()) as { error: string }
    expect(answer.error).toContain(message)
    expectNothingScheduled(before)
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined()
  })
})

describe('POST /jobs with a wrong content type answers 415 and schedules nothing', () => {
  it.each([
    ['text/plain', 'Expected `content-type` to be application/json, got "text/plain"'],
    ['application/x-www-form-urlencoded', 'got "application/x-www-form-urlencoded"'],
    ['application/json; charset=latin1', 'got "application/json; charset=latin1"'],
    ['application/jsonp', 'got "application/jsonp"'],
  ])('%s', async (contentType, message) => {
    const url = await start()
    const before = app!.taskService.stats().scheduled
    const res = await postJson(`${url}/jobs`, { kind: 'email', count: 1 }, { 'content-type': contentType })
    expect(res.status).toBe(415)
    expect(((await res.json()) as { error: string }).error).toContain(message)
    expectNothingScheduled(before)
  })

  it('no content type at all', async () => {
    const url = await start()
    const before = app!.taskService.stats().scheduled
    const body = '{"kind": "email", "count": 1}'
    const res = await rawRequest(url, [
      `POST /jobs HTTP/1.1\r\nHost: test\r\nConnection: close\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    ])
    expect(res.status).toBe(415)
    expect(JSON.parse(res.body)).toEqual({ error: 'Expected `content-type` to be application/json, got none' })
    expectNothingScheduled(before)
  })

  it('accepts application/json with charset utf-8 and any letter case', async () => {
    const url = await start()
    const res = await postJson(`${url}/jobs`, { kind: 'email', count: 1 }, { 'content-type': 'Application/JSON; Charset=UTF-8' })
    expect(res.status).toBe(202)
  })
})

describe('POST /jobs with a body over the limit answers 413 and schedules nothing', () => {
  const big = JSON.stringify({ kind: 'email', count: 1, padding: 'x'.repeat(17 * 1024) })

  it('a declared content-length over 16 KiB is refused without reading the body', async () => {
    const url = await start()
    const before = app!.taskService.stats().scheduled
    const res = await postJson(`${url}/jobs`, big)
    expect(res.status).toBe(413)
    expect(res.headers.get('connection')).toBe('close')
    expect(await res.json()).toEqual({ error: 'Request body is larger than the limit of 16384 bytes' })
    expectNothingScheduled(before)
  })

  it('a chunked body is refused as soon as it passes the limit', async () => {
    const url = await start()
    const before = app!.taskService.stats().scheduled
    const chunk = 'x'.repeat(4096)
    const chunks = Array.from({ length: 64 }, () => `${(4096).toString(16)}\r\n${chunk}\r\n`) // 256 KiB, never ended
    const res = await rawRequest(
      url,
      ['POST /jobs HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n', ...chunks],
      2,
    )
    expect(res.status).toBe(413)
    expect(res.headers.toLowerCase()).toContain('connection: close')
    expect(JSON.parse(res.body)).toEqual({ error: 'Request body is larger than the limit of 16384 bytes' })
    expectNothingScheduled(before)
  })

  it('the limit comes from [web] max_body_size', async () => {
    const url = await start({ max_body_size: 20 })
    const before = app!.taskService.stats().scheduled
    const res = await postJson(`${url}/jobs`, { kind: 'email', count: 1, x: 1 })
    expect(res.status).toBe(413)
    expect(await res.json()).toEqual({ error: 'Request body is larger than the limit of 20 bytes' })
    expectNothingScheduled(before)
  })
})

describe('slow and broken clients', () => {
  it('a client that does not finish its headers in time gets 408 and is disconnected', async () => {
    const url = await start({ headers_timeout: '100ms', request_timeout: '200ms' })
    const before = app!.taskService.stats().scheduled
    const res = await rawRequest(url, ['POST /jobs HTTP/1.1\r\nHost: test\r\n']) // resolves when the server closes
    expect(res.status).toBe(408)
    expect(res.headers).toContain('content-type: application/json; charset=utf-8')
    expect(JSON.parse(res.body)).toEqual({ error: 'The request was not received in time' })
    expectNothingScheduled(before)
  })

  it('a client that does not finish its body in time gets 408 and is disconnected', async () => {
    const url = await start({ headers_timeout: '100ms', request_timeout: '200ms' })
    const before = app!.taskService.stats().scheduled
    const res = await rawRequest(url, [
      'POST /jobs HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 40\r\n\r\n{"kind": "email",',
    ])
    expect(res.status).toBe(408)
    expect(JSON.parse(res.body)).toEqual({ error: 'The request was not received in time' })
    expectNothingScheduled(before)
  })

  it('a malformed request gets 400 JSON', async () => {
    const url = await start()
    const res = await rawRequest(url, ['THIS IS NOT HTTP\r\n\r\n'])
    expect(res.status).toBe(400)
    expect(JSON.parse(res.body)).toEqual({ error: 'Malformed HTTP request' })
  })

  it('oversized headers get 431 JSON', async () => {
    const url = await start()
    const res = await rawRequest(url, [`GET /health HTTP/1.1\r\nHost: test\r\nX-Big: ${'y'.repeat(20_000)}\r\n\r\n`])
    expect(res.status).toBe(431)
    expect(JSON.parse(res.body)).toEqual({ error: 'Request headers are too large' })
  })
})

describe('where it listens', () => {
  it('binds to 127.0.0.1 when [web] listen is not configured (PORT picks the port)', async () => {
    vi.stubEnv('PORT', '0')
    const { createTestApplication } = await import('@tsab/core/testing')
    const { DemoApp } = await import('../src/demo-app.js')
    app = await createTestApplication({ config: MEMORY_QUEUES }, DemoApp)
    expect(app.config.get('web', 'listen')).toBe('127.0.0.1:8080')
    expect(app.http.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(app.http.url).not.toBe('http://127.0.0.1:8080')
  })

  it('PORT overrides the port of [web] listen', async () => {
    vi.stubEnv('PORT', '0')
    const { createTestApplication } = await import('@tsab/core/testing')
    const { DemoApp } = await import('../src/demo-app.js')
    app = await createTestApplication({ config: { ...MEMORY_QUEUES, web: { listen: '127.0.0.1:1' } } }, DemoApp)
    expect(app.http.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(app.http.url).not.toBe('http://127.0.0.1:1')
    expect((await fetch(`${app.http.url}/health`)).status).toBe(200)
  })

  it.each([
    [{ PORT: 'eighty' }, {}, 'Expected `PORT` to be a port number from 0 to 65535, got "eighty"'],
    [{ PORT: '70000' }, {}, 'Expected `PORT` to be a port number from 0 to 65535, got "70000"'],
    [{}, { listen: 'localhost' }, 'Expected `[web] listen` to be "host:port", "[ipv6]:port" or a port number, got "localhost"'],
  ])('a bad address (%o, %o) makes the start fail with a clear message', async (env, web, message) => {
    const { createTestApplication } = await import('@tsab/core/testing')
    const { DemoApp } = await import('../src/demo-app.js')
    vi.stubEnv('PORT', (env as { PORT?: string }).PORT ?? '')
    await expect(createTestApplication({ config: { ...MEMORY_QUEUES, web: { listen: '127.0.0.1:0', ...web } } }, DemoApp)).rejects.toThrow(
      message,
    )
  })
})
