/**
 * createLogger's decisions: pretty output in a terminal when pino-pretty loads (an injected terminal and loader),
 * JSON otherwise, one warning and JSON when pretty output was asked for and pino-pretty is missing, LOG_PRETTY and
 * LOG_LEVEL read and checked with messages that name them. The real missing package is in pretty-missing.test.ts.
 */
import { Writable } from 'node:stream'
import { describe, expect, it, vi } from 'vitest'
import { Application } from '../../src/index.js'
import {
  checkLogLevel,
  createApplicationLogger,
  createLogger,
  createLoggerIn,
  prettyFromEnv,
  type LoggerEnvironment,
  type PrettyFactory,
} from '../../src/logging/logger.js'

/** A destination that keeps every written chunk. */
function collector() {
  const chunks: string[] = []
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk))
      done()
    },
  })
  return { stream, chunks, json: () => chunks.map((c) => JSON.parse(c) as Record<string, unknown>) }
}

/** A stand-in for pino-pretty: marks each line it formats. */
function fakePretty() {
  const formatted: string[] = []
  const factory = vi.fn<PrettyFactory>(() => (line: string) => {
    formatted.push(line)
    const { msg } = JSON.parse(line) as { msg: string }
    return `PRETTY ${msg}\n`
  })
  return { factory, formatted }
}

function environment(isTTY: boolean, loadPretty: () => PrettyFactory) {
  const out = collector()
  const env: LoggerEnvironment = { isTTY, loadPretty: vi.fn(loadPretty), stdout: out.stream }
  return { env, out }
}

const missing = (): PrettyFactory => {
  throw Object.assign(new Error("Cannot find module 'pino-pretty'\nRequire stack:\n- /app/node_modules/@tsab/core/dist/logging/logger.js"), {
    code: 'MODULE_NOT_FOUND',
  })
}

describe('createLogger: pretty or JSON', () => {
  it("'auto' (the default) is pretty when stdout is a terminal and pino-pretty loads", () => {
    const pretty = fakePretty()
    const { env, out } = environment(true, () => pretty.factory)
    createLoggerIn(env, { name: 'app' }).info('hello')
    expect(env.loadPretty).toHaveBeenCalledTimes(1)
    expect(out.chunks).toEqual(['PRETTY hello\n'])
    expect(JSON.parse(pretty.formatted[0]!)).toMatchObject({ name: 'app', msg: 'hello', level: 30 })
  })

  it("'auto' writes JSON and never loads pino-pretty when stdout is not a terminal", () => {
    const pretty = fakePretty()
    const { env, out } = environment(false, () => pretty.factory)
    createLoggerIn(env, { pretty: 'auto' }).info('hello')
    expect(env.loadPretty).not.toHaveBeenCalled()
    expect(out.json()).toMatchObject([{ msg: 'hello' }])
  })

  it("'auto' writes JSON without a warning when stdout is a terminal but pino-pretty is missing", () => {
    const { env, out } = environment(true, missing)
    createLoggerIn(env, {}).info('hello')
    expect(env.loadPretty).toHaveBeenCalledTimes(1)
    expect(out.json()).toMatchObject([{ msg: 'hello', level: 30 }])
  })

  it("'auto' with a destination of its own is JSON: the terminal is stdout's", () => {
    const pretty = fakePretty()
    const { env } = environment(true, () => pretty.factory)
    const own = collector()
    createLoggerIn(env, { destination: own.stream }).info('hello')
    expect(env.loadPretty).not.toHaveBeenCalled()
    expect(own.json()).toMatchObject([{ msg: 'hello' }])
  })

  it('true is pretty without a terminal, also into a destination', () => {
    const pretty = fakePretty()
    const { env } = environment(false, () => pretty.factory)
    const own = collector()
    createLoggerIn(env, { pretty: true, destination: own.stream }).warn('careful')
    expect(own.chunks).toEqual(['PRETTY careful\n'])
  })

  it('true without pino-pretty: one warning that says how to fix it, then JSON; never a throw', () => {
    const { env, out } = environment(true, missing)
    const logger = createLoggerIn(env, { pretty: true, name: 'app' })
    logger.info('first')
    logger.info('second')
    const lines = out.json()
    expect(lines.map((l) => l['msg'])).toEqual([expect.stringContaining('pino-pretty cannot be loaded'), 'first', 'second'])
    expect(lines[0]).toMatchObject({ level: 40, name: 'app', reason: "Cannot find module 'pino-pretty'" })
    expect(lines[0]!['msg']).toContain('npm install --save-dev pino-pretty')
    expect(lines[0]!['msg']).toContain('LOG_PRETTY=0')
    expect(lines.filter((l) => l['level'] === 40)).toHaveLength(1)
  })

  it('false is JSON even in a terminal, and pino-pretty is not loaded', () => {
    const pretty = fakePretty()
    const { env, out } = environment(true, () => pretty.factory)
    createLoggerIn(env, { pretty: false }).info('hello')
    expect(env.loadPretty).not.toHaveBeenCalled()
    expect(out.json()).toMatchObject([{ msg: 'hello' }])
  })

  it("does not load pino-pretty at level 'silent'", () => {
    const { env, out } = environment(true, missing)
    createLoggerIn(env, { pretty: true, level: 'silent' }).error('nothing')
    expect(env.loadPretty).not.toHaveBeenCalled()
    expect(out.chunks).toEqual([])
  })

  it('loads the real pino-pretty (installed here as a dev dependency) and writes readable lines', () => {
    const own = collector()
    createLogger({ pretty: true, destination: own.stream, name: 'shop' }).info({ orderId: 42 }, 'charging')
    const text = own.chunks.join('')
    expect(text).toMatch(/INFO.*\(shop\): charging/)
    expect(text).toContain('{"orderId":42}') // the fields on the same line (singleLine)
    expect(() => JSON.parse(text)).toThrow()
  })

  it('rejects a bad pretty option, naming it', () => {
    expect(() => createLogger({ pretty: 'yes' as never })).toThrow(
      new TypeError("Expected `pretty` to be true, false or 'auto', got \"yes\" (string)"),
    )
  })
})

describe('levels', () => {
  it('an unknown level is a TypeError naming the argument and every valid level', () => {
    expect(() => createLogger({ level: 'verbose' })).toThrow(
      new TypeError('Expected `level` to be one of fatal, error, warn, info, debug, trace, silent, got "verbose" (string)'),
    )
    expect(checkLogLevel('LOG_LEVEL', 'debug')).toBe('debug')
  })

  it('the application logger takes the level the application resolved, and LOG_PRETTY from the environment', () => {
    expect(createApplicationLogger('app', 'warn', { LOG_PRETTY: '0' }).level).toBe('warn')
    expect(() => createApplicationLogger('app', 'info', { LOG_PRETTY: 'maybe' })).toThrow(/`LOG_PRETTY`/)
  })

  it('new Application() with a bad LOG_LEVEL fails start() naming LOG_LEVEL and the valid levels', async () => {
    const saved = process.env['LOG_LEVEL']
    process.env['LOG_LEVEL'] = 'verbose'
    try {
      const app = new Application({ handleSignals: false })
      await expect(app.start()).rejects.toThrow(/LOG_LEVEL.*"fatal", "error", "warn", "info", "debug", "trace", "silent"/)
      await app.stop()
    } finally {
      if (saved === undefined) delete process.env['LOG_LEVEL']
      else process.env['LOG_LEVEL'] = saved
    }
  })
})

describe('LOG_PRETTY', () => {
  it.each([
    [undefined, 'auto'],
    ['', 'auto'],
    ['1', true],
    ['true', true],
    [' TRUE ', true],
    ['0', false],
    ['false', false],
  ] as const)('%j → %j', (value, expected) => {
    expect(prettyFromEnv(value)).toBe(expected)
  })

  it('anything else is a TypeError naming LOG_PRETTY', () => {
    expect(() => prettyFromEnv('maybe')).toThrow(new TypeError('Expected `LOG_PRETTY` to be 1 or 0 (true or false), or unset for pretty output in a terminal, got "maybe" (string)'))
  })
})
