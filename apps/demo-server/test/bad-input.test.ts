/**
 * `POST /jobs` refuses every bad request with a 4xx (never a 500) and schedules nothing; the demo's config is
 * checked at start.
 */
import { createTestApplication } from '@tsab/core/testing'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { DemoApp } from '../src/demo-app.js'
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

describe('POST /jobs with a bad body answers 400 naming the problem and schedules nothing', () => {
  it.each([
    ['invalid JSON', '{"kind": "email",', /JSON/],
    ['an empty body', '', /empty/i],
    ['an array', '[{"kind": "email", "count": 1}]', 'Invalid request body: must be object'],
    ['null', 'null', 'Invalid request body: must be object'],
    ['a string', '"email"', 'Invalid request body: must be object'],
    ['a missing kind', '{"count": 1}', 'Invalid request body: missing field `kind`'],
    ['an unknown kind', '{"kind": "fax", "count": 1}', 'Invalid request body: `kind` must be one of: "email", "resize", "fail"'],
    ['a kind that is not a string', '{"kind": 5, "count": 1}', 'Invalid request body: `kind` must be string'],
    ['an inherited property name as kind', '{"kind": "constructor", "count": 1}', '`kind` must be one of'],
    ['a missing count', '{"kind": "email"}', 'Invalid request body: missing field `count`'],
    ['count 0', '{"kind": "email", "count": 0}', 'Invalid request body: `count` must be >= 1'],
    ['count -1', '{"kind": "email", "count": -1}', '`count` must be >= 1'],
    ['count 1001', '{"kind": "email", "count": 1001}', 'Invalid request body: `count` must be <= 1000'],
    ['a fractional count', '{"kind": "email", "count": 1.5}', '`count` must be integer'],
    ['a count too large for a double', '{"kind": "email", "count": 1e400}', '`count` must be'],
    ['a count given as a string', '{"kind": "email", "count": "3"}', '`count` must be integer'],
    ['a null count', '{"kind": "email", "count": null}', '`count` must be integer'],
    ['a boolean count', '{"kind": "email", "count": true}', '`count` must be integer'],
    ['distributed given as a string', '{"kind": "email", "count": 1, "distributed": "yes"}', '`distributed` must be boolean'],
    ['an unknown field', '{"kind": "email", "count": 1, "priority": 9}', 'Invalid request body: unknown field `priority`'],
    ['a __proto__ field', '{"kind": "email", "count": 1, "__proto__": {"polluted": true}}', /JSON/],
    ['JSON nested 10,000 deep', `{"kind": "email", "count": ${'['.repeat(10_000)}${']'.repeat(10_000)}}`, '`count` must be integer'],
    ['a whole body nested 10,000 deep', '['.repeat(10_000) + ']'.repeat(10_000), 'Invalid request body: must be object'],
  ])('%s', async (_case, body, message) => {
    const url = await start()
    const before = app!.taskService.stats().scheduled
    const res = await postJson(`${url}/jobs`, body)
    expect(res.status).toBe(400)
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8')
    const answer = (await res.json()) as { error: string; statusCode: number }
    expect(answer.statusCode).toBe(400)
    if (typeof message === 'string') expect(answer.error).toContain(message)
    else expect(answer.error).toMatch(message)
    expectNothingScheduled(before)
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined()
  })
})

describe('POST /jobs with a wrong content type answers 415 and schedules nothing', () => {
  it.each(['application/x-www-form-urlencoded', 'application/jsonp', 'image/png'])('%s', async (contentType) => {
    const url = await start()
    const before = app!.taskService.stats().scheduled
    const res = await postJson(`${url}/jobs`, { kind: 'email', count: 1 }, { 'content-type': contentType })
    expect(res.status).toBe(415)
    expect(((await res.json()) as { statusCode: number }).statusCode).toBe(415)
    expectNothingScheduled(before)
  })

  it('no content type at all is refused with a 4xx', async () => {
    const url = await start()
    const before = app!.taskService.stats().scheduled
    const body = '{"kind": "email", "count": 1}'
    const res = await rawRequest(url, [`POST /jobs HTTP/1.1\r\nHost: test\r\nConnection: close\r\nContent-Length: ${body.length}\r\n\r\n${body}`])
    expect(res.status).toBeGreaterThanOrEqual(400)
    expect(res.status).toBeLessThan(500)
    expectNothingScheduled(before)
  })

  it('accepts application/json with charset utf-8 and any letter case', async () => {
    const url = await start()
    const res = await postJson(`${url}/jobs`, { kind: 'email', count: 1 }, { 'content-type': 'Application/JSON; Charset=UTF-8' })
    expect(res.status).toBe(202)
  })
})

describe('POST /jobs with a body over [web] body_limit answers 413 and schedules nothing', () => {
  it('the limit comes from [web] body_limit', async () => {
    const url = await start({ body_limit: 20 })
    const before = app!.taskService.stats().scheduled
    const res = await postJson(`${url}/jobs`, { kind: 'email', count: 1, x: 1 })
    expect(res.status).toBe(413)
    expect(await res.json()).toMatchObject({ statusCode: 413, code: 'FST_ERR_CTP_BODY_TOO_LARGE' })
    expectNothingScheduled(before)
  })
})

describe('slow clients', () => {
  it('a client that does not finish its headers in time gets 408 and is disconnected', async () => {
    const url = await start({ headers_timeout: '100ms', request_timeout: '200ms' })
    const before = app!.taskService.stats().scheduled
    const res = await rawRequest(url, ['POST /jobs HTTP/1.1\r\nHost: test\r\n']) // resolves when the server closes
    expect(res.status).toBe(408)
    expect(JSON.parse(res.body)).toEqual({ error: 'The request was not received in time', statusCode: 408 })
    expectNothingScheduled(before)
  })
})

describe('config checked at start', () => {
  it.each([
    [{ demo: { queue_concurrency: 0 } }, 'Config [demo] queue_concurrency: expected an integer >= 1 <= 1000, got 0 (number)'],
    [{ demo: { queue_concurrency: 'ten' } }, 'Config [demo] queue_concurrency'],
    [{ demo: { heartbeat_interval: 0 } }, 'Config [demo] heartbeat_interval: expected a duration > 0'],
    [{ demo: { heartbeat_interval: 'often' } }, 'Config [demo] heartbeat_interval'],
    [{ TaskService: { max_queued: 0 } }, '[TaskService] max_queued'],
    [{ web: { body_limit: -1 } }, 'Config [web] body_limit'],
  ])('%j makes start() reject: %s', async (config, message) => {
    await expect(
      createTestApplication({ config: { ...MEMORY_QUEUES, ...config, web: { listen: '127.0.0.1:0', ...(config as { web?: object }).web } } }, DemoApp),
    ).rejects.toThrow(message)
  })

  it('binds to 127.0.0.1 when [web] listen is not configured (PORT picks the port)', async () => {
    vi.stubEnv('PORT', '0')
    app = await createTestApplication({ config: MEMORY_QUEUES }, DemoApp)
    expect(app.config.get('web', 'listen')).toBe('127.0.0.1:8080')
    const [address] = await app.web.onListening()
    expect(address).toMatch(/^127\.0\.0\.1:\d+$/)
    expect(address).not.toBe('127.0.0.1:8080')
    expect((await fetch(`http://${address}/health`)).status).toBe(200)
  })

  it('a bad PORT makes the start fail with a clear message', async () => {
    vi.stubEnv('PORT', 'eighty')
    await expect(createTestApplication({ config: { ...MEMORY_QUEUES, web: { listen: '127.0.0.1:0' } } }, DemoApp)).rejects.toThrow(
      'Environment variable PORT: expected a port number from 0 to 65535, got "eighty"',
    )
  })

  it('a stop before anything was started leaves no server behind', async () => {
    const created = new DemoApp({ handleSignals: false, config: { ...MEMORY_QUEUES, logging: { level: 'silent' } } })
    expect(await created.stop()).toBe(0)
    expect(created.web.addresses).toEqual([])
  })
})
