/**
 * Nothing a client sends gets a 500: every kind of bad request has its 4xx, in the one JSON error shape.
 */
import { describe, expect, it } from 'vitest'
import { collectUnhandledRejections, Level, memoryLogger, postJson, rawRequest, startWeb, stopAppsAfterEach, type WebApp } from '../support/web-app.js'

collectUnhandledRejections()
stopAppsAfterEach()

const ITEM_SCHEMA = {
  body: {
    type: 'object',
    properties: { name: { type: 'string', enum: ['a', 'b'] }, count: { type: 'integer', minimum: 1, maximum: 10 }, tags: { type: 'array', items: { type: 'string' } } },
    required: ['name', 'count'],
    additionalProperties: false,
  },
  querystring: { type: 'object', properties: { limit: { type: 'integer' } } },
} as const

let accepted = 0
function routes(app: WebApp): void {
  app.web.server.post('/items', { schema: ITEM_SCHEMA }, async (request) => {
    accepted++
    return { ok: true, body: request.body, query: request.query }
  })
  app.web.server.post('/echo', async (request) => ({ type: typeof request.body }))
  app.web.server.get('/boom', async () => {
    throw new Error('bug')
  })
  app.web.server.get('/teapot', async () => {
    throw Object.assign(new Error('I am a teapot'), { statusCode: 418 })
  })
}

async function start(web: Record<string, unknown> = {}) {
  accepted = 0
  return startWeb({ web, setup: routes })
}

describe('schema validation → 400 naming the field', () => {
  it.each([
    ['a missing field', { name: 'a' }, 'Invalid request body: missing field `count`'],
    ['an unknown field', { name: 'a', count: 1, priority: 9 }, 'Invalid request body: unknown field `priority`'],
    ['a value outside an enum', { name: 'z', count: 1 }, 'Invalid request body: `name` must be one of: "a", "b"'],
    ['a number over the maximum', { name: 'a', count: 11 }, 'Invalid request body: `count` must be <= 10'],
    ['a fraction for an integer', { name: 'a', count: 1.5 }, 'Invalid request body: `count` must be integer'],
    ['a string for a number (no coercion of bodies)', { name: 'a', count: '3' }, 'Invalid request body: `count` must be integer'],
    ['a nested item of the wrong type', { name: 'a', count: 1, tags: ['x', 5] }, 'Invalid request body: `tags[1]` must be string'],
    ['an array for an object', [1], 'Invalid request body: must be object'],
    ['null', null, 'Invalid request body: must be object'],
  ])('%s', async (_case, body, message) => {
    const { url } = await start()
    const res = await postJson(`${url}/items`, body)
    expect(res.status).toBe(400)
    expect(await res.json()).toEqual({ error: message, statusCode: 400, code: 'FST_ERR_VALIDATION' })
    expect(accepted).toBe(0)
  })

  it('query strings keep Fastify coercion ("5" is an integer) and name the parameter when wrong', async () => {
    const { url } = await start()
    const ok = await postJson(`${url}/items?limit=5`, { name: 'a', count: 1 })
    expect(((await ok.json()) as { query: unknown }).query).toEqual({ limit: 5 })
    const bad = await postJson(`${url}/items?limit=x`, { name: 'a', count: 1 })
    expect(bad.status).toBe(400)
    expect(((await bad.json()) as { error: string }).error).toBe('Invalid query string: `limit` must be integer')
  })
})

describe('bodies Fastify cannot take', () => {
  it.each([
    ['invalid JSON', '{"name": "a",', 400],
    ['an empty JSON body', '', 400],
    ['a __proto__ key', '{"name":"a","count":1,"__proto__":{"polluted":true}}', 400],
    ['a constructor.prototype key', '{"constructor":{"prototype":{"polluted":true}}}', 400],
  ])('%s → %s', async (_case, body, status) => {
    const { url } = await start()
    const res = await postJson(`${url}/items`, body)
    expect(res.status).toBe(status)
    const answer = (await res.json()) as { error: string; statusCode: number }
    expect(answer.statusCode).toBe(status)
    expect(answer.error.length).toBeGreaterThan(0)
    expect(accepted).toBe(0)
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined()
  })

  it.each([10_000, 100_000])('JSON nested %i deep is a 400 for a schema route and parses for a route without one', async (depth) => {
    const { url } = await start()
    const deepArray = '['.repeat(depth) + ']'.repeat(depth)
    const deepObject = '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)
    for (const body of [deepArray, deepObject, `{"name":"a","count":1,"tags":${deepArray}}`]) {
      const res = await postJson(`${url}/items`, body)
      expect(res.status, body.slice(0, 20)).toBe(400)
    }
    const res = await postJson(`${url}/echo`, deepObject)
    expect(res.status).toBeLessThan(500)
  })

  it.each([
    ['application/x-www-form-urlencoded', 415],
    ['application/jsonp', 415],
    ['multipart/form-data; boundary=x', 415],
  ])('content-type %s → %s', async (contentType, status) => {
    const { url } = await start()
    const res = await postJson(`${url}/items`, { name: 'a', count: 1 }, { 'content-type': contentType })
    expect(res.status).toBe(status)
    expect(((await res.json()) as { statusCode: number }).statusCode).toBe(status)
    expect(accepted).toBe(0)
  })

  it('text/plain is read as a string (Fastify parses it), so an object schema refuses it with 400', async () => {
    const { url } = await start()
    const res = await postJson(`${url}/items`, '{"name":"a","count":1}', { 'content-type': 'text/plain' })
    expect(res.status).toBe(400)
    expect(((await res.json()) as { error: string }).error).toBe('Invalid request body: must be object')
    expect(accepted).toBe(0)
  })

  it('a body with no content-type at all is refused, not a 500', async () => {
    const { url } = await start()
    const body = '{"name":"a","count":1}'
    const res = await rawRequest(url, [`POST /items HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Length: ${body.length}\r\n\r\n${body}`])
    expect(res.status).toBeGreaterThanOrEqual(400)
    expect(res.status).toBeLessThan(500)
    expect(accepted).toBe(0)
  })

  it('accepts application/json with a utf-8 charset in any letter case', async () => {
    const { url } = await start()
    const res = await postJson(`${url}/items`, { name: 'a', count: 1 }, { 'content-type': 'Application/JSON; Charset=UTF-8' })
    expect(res.status).toBe(200)
  })
})

describe('bodies over [web] body_limit → 413', () => {
  it('a declared content-length over the limit', async () => {
    const { url } = await start({ body_limit: 64 })
    const res = await postJson(`${url}/items`, { name: 'a', count: 1, pad: 'x'.repeat(100) })
    expect(res.status).toBe(413)
    expect(await res.json()).toMatchObject({ statusCode: 413, code: 'FST_ERR_CTP_BODY_TOO_LARGE' })
    expect(accepted).toBe(0)
  })

  it('the default limit is 1 MiB', async () => {
    const { url } = await start()
    const res = await postJson(`${url}/echo`, JSON.stringify({ pad: 'x'.repeat(1_048_576) }))
    expect(res.status).toBe(413)
    expect((await postJson(`${url}/echo`, JSON.stringify({ pad: 'x'.repeat(1_000_000) }))).status).toBe(200)
  })

  it('a chunked body that passes the limit while it streams', async () => {
    const { url } = await start({ body_limit: 16_384 })
    const chunk = 'x'.repeat(4096)
    const chunks = Array.from({ length: 64 }, () => `${(4096).toString(16)}\r\n${chunk}\r\n`) // 256 KiB, never ended
    const res = await rawRequest(url, ['POST /echo HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n', ...chunks], 2)
    expect(res.status).toBe(413)
    expect(JSON.parse(res.body)).toMatchObject({ statusCode: 413 })
  })
})

describe('requests Node cannot parse', () => {
  it('a malformed request line → 400 JSON', async () => {
    const { url } = await start()
    const res = await rawRequest(url, ['THIS IS NOT HTTP\r\n\r\n'])
    expect(res.status).toBe(400)
    expect(JSON.parse(res.body)).toEqual({ error: 'Malformed HTTP request', statusCode: 400 })
  })

  it('headers over [web] max_header_size → 431 JSON', async () => {
    const { url } = await start()
    const res = await rawRequest(url, [`GET /health/live HTTP/1.1\r\nHost: t\r\nX-Big: ${'y'.repeat(20_000)}\r\n\r\n`])
    expect(res.status).toBe(431)
    expect(JSON.parse(res.body)).toEqual({ error: 'Request headers are too large', statusCode: 431 })
  })

  it('a bad percent-encoding in the path is not a 500', async () => {
    const { url } = await start()
    const res = await rawRequest(url, ['GET /items/%E0%A4%A HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n'])
    expect(res.status).toBeGreaterThanOrEqual(400)
    expect(res.status).toBeLessThan(500)
  })
})

describe('routing answers', () => {
  it('an unknown path → 404 naming the method and path', async () => {
    const { url } = await start()
    const res = await fetch(`${url}/nope?x=1`)
    expect(res.status).toBe(404)
    expect(await res.json()).toEqual({ error: 'No route for GET /nope', statusCode: 404 })
  })

  it.each([
    ['PUT', '/items', 'POST'],
    ['GET', '/items', 'POST'],
    ['DELETE', '/health/live', 'GET, HEAD'],
    ['POST', '/health/ready', 'GET, HEAD'],
  ])('%s %s → 405 with allow: %s', async (method, path, allow) => {
    const { url } = await start()
    const res = await fetch(`${url}${path}`, { method })
    expect(res.status).toBe(405)
    expect(res.headers.get('allow')).toBe(allow)
    expect(await res.json()).toEqual({ error: `Method ${method} is not allowed on ${path}; use ${allow}`, statusCode: 405 })
  })

  it('a route that throws a deliberate 4xx keeps its status and message', async () => {
    const { url } = await start()
    const res = await fetch(`${url}/teapot`)
    expect(res.status).toBe(418)
    expect(await res.json()).toEqual({ error: 'I am a teapot', statusCode: 418 })
  })

  it('a bug in a route is a 500 without details, logged with the request id', async () => {
    const { logger, lines } = memoryLogger()
    const { url } = await startWeb({ logger, setup: routes })
    const res = await fetch(`${url}/boom`)
    expect(res.status).toBe(500)
    expect(await res.json()).toEqual({ error: 'Internal server error', statusCode: 500 })
    expect(lines).toContainEqual(
      expect.objectContaining({ level: Level.error, msg: 'Request failed: GET /boom', reqId: expect.any(String), err: expect.objectContaining({ message: 'bug' }) }),
    )
  })
})
