/**
 * Logs stay lines (spec §2a): no record a tsab logger writes is longer than 16 KiB. An ordinary line passes
 * untouched; an oversized one becomes a valid JSON line that keeps pino's fields and the message, cut if it must be.
 */
import { describe, expect, it } from 'vitest'
import { pino } from 'pino'
import { boundLogLine, boundedDestination, MAX_LOG_RECORD_BYTES } from '../../src/logging/bounded-destination.js'
import { createLogger } from '../../src/logging/logger.js'

const bytes = (line: string): number => Buffer.byteLength(line)

function collect() {
  const lines: string[] = []
  return { lines, logger: createLogger({ level: 'debug', name: 'bounded', destination: { write: (line: string) => void lines.push(line) } }) }
}

describe('boundLogLine()', () => {
  it('returns an ordinary line as the very same string', () => {
    const line = `${JSON.stringify({ level: 30, msg: 'hello', names: Array.from({ length: 100 }, (_, i) => `task-${i}`) })}\n`
    expect(boundLogLine(line)).toBe(line)
  })

  it.each([
    ['one huge message', { level: 40, time: 1, pid: 2, hostname: 'h', name: 'app', msg: 'x'.repeat(1_000_000) }],
    ['a huge list of names', { level: 40, msg: 'stragglers', tasks: Array.from({ length: 100_000 }, (_, i) => `task-${i}`) }],
    ['thousands of fields', { level: 30, msg: 'wide', ...Object.fromEntries(Array.from({ length: 5_000 }, (_, i) => [`field${i}`, 'v'.repeat(20)])) }],
    ['deep nesting', { level: 30, msg: 'deep', a: Array.from({ length: 60 }).reduce<object>((inner) => ({ pad: 'p'.repeat(1_000), inner }), {}) }],
    ['text JSON escapes six-fold', { level: 50, msg: '\u0001'.repeat(20_000), err: { message: '\u0002'.repeat(20_000), stack: '\u0003'.repeat(20_000) } }],
    ['multi-byte text', { level: 30, msg: '€'.repeat(10_000), service: 'ü'.repeat(10_000) }],
  ])('cuts %s into one valid JSON line of at most 16 KiB that keeps level, msg and pino fields', (_what, record) => {
    const out = boundLogLine(`${JSON.stringify(record)}\n`)
    expect(bytes(out)).toBeLessThanOrEqual(MAX_LOG_RECORD_BYTES)
    expect(out.endsWith('\n')).toBe(true)
    expect(out.indexOf('\n')).toBe(out.length - 1)
    const parsed = JSON.parse(out) as Record<string, any>
    expect(parsed['level']).toBe(record.level)
    expect(typeof parsed['msg']).toBe('string')
    expect(record.msg.startsWith(parsed['msg'].replace(/…$/, ''))).toBe(true)
    expect(parsed['truncated'].originalBytes).toBe(bytes(JSON.stringify(record)) + 1)
    for (const key of ['time', 'pid', 'hostname', 'name'] as const) if (key in record) expect(parsed[key]).toBe((record as Record<string, unknown>)[key])
  })

  it('keeps the start of a long list and says how many items were cut', () => {
    const out = JSON.parse(boundLogLine(`${JSON.stringify({ level: 40, msg: 'm', tasks: Array.from({ length: 5_000 }, (_, i) => `task-${i}`) })}\n`))
    expect(out.tasks.slice(0, 3)).toEqual(['task-0', 'task-1', 'task-2'])
    expect(out.tasks.at(-1)).toMatch(/^… and \d+ more$/)
  })

  it('still writes a JSON line for text that is not JSON', () => {
    const out = boundLogLine(`not json ${'z'.repeat(40_000)} "level":40\n`)
    expect(bytes(out)).toBeLessThanOrEqual(MAX_LOG_RECORD_BYTES)
    expect(JSON.parse(out)).toMatchObject({ level: 40, truncated: { originalBytes: 40_021 } })
  })
})

describe('createLogger()', () => {
  it('bounds every record it writes, whatever the call site logs', () => {
    const { lines, logger } = collect()
    logger.warn({ tasks: Array.from({ length: 100_000 }, (_, i) => `straggler-${i}`) }, `100000 pending: ${'name, '.repeat(100_000)}`)
    logger.child({ service: 'Db' }).error({ err: new Error('e'.repeat(50_000)) }, 'failed')
    logger.info('small')
    expect(lines).toHaveLength(3)
    for (const line of lines) {
      expect(bytes(line)).toBeLessThanOrEqual(MAX_LOG_RECORD_BYTES)
      JSON.parse(line)
    }
    expect(JSON.parse(lines[1]!)).toMatchObject({ service: 'Db', msg: 'failed', err: { type: 'Error' } })
    expect(JSON.parse(lines[2]!)).toMatchObject({ level: 30, msg: 'small', name: 'bounded' })
  })
})

describe('boundedDestination()', () => {
  it('passes flush and flushSync through, and waits for a write in flight before it flushes', () => {
    const calls: string[] = []
    const listeners = new Map<string, () => void>()
    const inner = {
      _writing: true,
      write: (line: string) => void calls.push(`write ${line.length}`),
      flush: (cb: () => void) => {
        calls.push('flush')
        cb()
      },
      flushSync: () => void calls.push('flushSync'),
      once: (event: string, listener: () => void) => void listeners.set(event, listener),
      off: (event: string) => void listeners.delete(event),
    }
    const bounded = boundedDestination(inner)
    bounded.write('abc\n')
    bounded.flushSync!()
    let flushed = false
    bounded.flush!(() => (flushed = true))
    expect(flushed).toBe(false)
    inner._writing = false
    listeners.get('drain')!()
    expect(flushed).toBe(true)
    expect(listeners.size).toBe(0)
    expect(calls).toEqual(['write 4', 'flushSync', 'flush'])
  })

  it('leaves a pino multistream (which needs per-record metadata) as it is', () => {
    const multi = pino.multistream([{ stream: { write: () => {} } }])
    expect(boundedDestination(multi as never)).toBe(multi)
  })
})
