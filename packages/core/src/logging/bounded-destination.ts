/**
 * The 16 KiB bound of every log record tsab's own loggers write: a destination wrapper that lets ordinary lines
 * through untouched and rewrites an oversized one into a valid JSON line that still says what happened.
 * What a record contains is decided where it is logged; this file only keeps lines lines.
 */

/** No line written through a {@link boundedDestination} is longer than this many bytes (UTF-8, newline included). */
export const MAX_LOG_RECORD_BYTES = 16 * 1024

/** A pino destination as far as this wrapper needs it. */
export interface LineDestination {
  write(line: string): unknown
  flush?(callback: (error?: Error | null) => void): void
  flushSync?(): void
}

// Fields pino writes itself, kept whole (they are short) and first.
const CORE_FIELDS = ['level', 'time', 'pid', 'hostname', 'name', 'service', 'msg']
// Limits of the successive shrinking passes: longest string, longest array, deepest nesting.
const PASSES = [
  { text: 2048, items: 50, depth: 4 },
  { text: 512, items: 20, depth: 3 },
  { text: 128, items: 5, depth: 2 },
]

// The marker of destinations that need pino's per-record metadata (pino.multistream).
const NEEDS_METADATA = Symbol.for('pino.metadata')

const byteLength = (text: string): number => Buffer.byteLength(text, 'utf8')

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text
}

// A copy of `value` whose strings, arrays and nesting respect one pass's limits.
function shrink(value: unknown, pass: (typeof PASSES)[number], depth = 0): unknown {
  if (typeof value === 'string') return cut(value, pass.text)
  if (value === null || typeof value !== 'object') return value
  if (depth >= pass.depth) return Array.isArray(value) ? `[array of ${value.length}]` : '[object]'
  if (Array.isArray(value)) {
    const items = value.slice(0, pass.items).map((item) => shrink(item, pass, depth + 1))
    if (value.length > pass.items) items.push(`… and ${value.length - pass.items} more`)
    return items
  }
  const out: Record<string, unknown> = {}
  let kept = 0
  for (const [key, item] of Object.entries(value)) {
    if (kept++ >= pass.items) {
      out['…'] = `${Object.keys(value).length - pass.items} more fields`
      break
    }
    out[cut(key, 128)] = shrink(item, pass, depth + 1)
  }
  return out
}

/**
 * `line` itself when it fits {@link MAX_LOG_RECORD_BYTES}, else a JSON line that does: strings, lists and nesting
 * are cut in passes until it fits, then whole fields are dropped (largest first); `truncated` records the original
 * size and what was dropped. The message and pino's own fields survive every pass (cut if they must be).
 */
export function boundLogLine(line: string): string {
  // A UTF-16 code unit is at most 3 bytes in UTF-8: most lines need no byte count at all.
  if (line.length * 3 <= MAX_LOG_RECORD_BYTES || byteLength(line) <= MAX_LOG_RECORD_BYTES) return line
  const originalBytes = byteLength(line)
  let record: Record<string, unknown>
  try {
    const parsed: unknown = JSON.parse(line)
    record = parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : { msg: line }
  } catch {
    record = { level: Number(/"level":(\d+)/.exec(line)?.[1] ?? 50), msg: line }
  }
  const core: Record<string, unknown> = {}
  for (const key of CORE_FIELDS) if (key in record) core[key] = record[key]
  const rest = Object.entries(record).filter(([key]) => !CORE_FIELDS.includes(key))
  for (const pass of PASSES) {
    const candidate = shrink(core, { ...pass, text: pass.text * 2, depth: 1 }) as Record<string, unknown>
    for (const [key, value] of rest) candidate[key] = shrink(value, pass, 1)
    candidate['truncated'] = { originalBytes }
    const text = `${JSON.stringify(candidate)}\n`
    if (byteLength(text) <= MAX_LOG_RECORD_BYTES) return text
  }
  // Still too big (thousands of fields, or text that JSON escapes six-fold): keep the core, cut harder until it
  // fits, and as many of the smallest fields as fit besides.
  const last = PASSES[PASSES.length - 1]!
  for (const textLimit of [1024, 256, 64]) {
    const kept = shrink(core, { ...last, text: textLimit, depth: 1 }) as Record<string, unknown>
    let budget = MAX_LOG_RECORD_BYTES - byteLength(JSON.stringify(kept)) - 2048
    if (budget < 0) continue
    const sized = rest
      .map(([key, value]) => [cut(key, 64), shrink(value, { ...last, text: textLimit }, 1)] as const)
      .map(([key, value]) => ({ key, value, bytes: byteLength(JSON.stringify(value) ?? '') + byteLength(JSON.stringify(key)) + 2 }))
      .sort((a, b) => a.bytes - b.bytes)
    const dropped: string[] = []
    for (const field of sized) {
      if (field.bytes <= budget) {
        kept[field.key] = field.value
        budget -= field.bytes
      } else dropped.push(field.key)
    }
    kept['truncated'] = { originalBytes, dropped: dropped.slice(0, 10).map((key) => cut(key, 32)), droppedCount: dropped.length }
    return `${JSON.stringify(kept)}\n`
  }
  return `${JSON.stringify({ level: typeof core['level'] === 'number' ? core['level'] : 50, msg: '(log record too large to write)', truncated: { originalBytes } })}\n`
}

/** sonic-boom (pino's file destination) while an asynchronous write is in flight; it emits `drain` once done. */
interface AsyncFileDestination extends LineDestination {
  readonly _writing?: boolean
  once?(event: 'drain' | 'error', listener: () => void): unknown
  off?(event: 'drain' | 'error', listener: () => void): unknown
}

// sonic-boom's own flush() calls back at once when it buffers nothing (pino's default, minLength 0), even while a
// write is still in flight: ending the process then can reorder or lose that write. Waiting for `drain` first
// makes "flushed" mean "written".
function flushWritten(destination: AsyncFileDestination, callback: (error?: Error | null) => void): void {
  if (destination._writing !== true || typeof destination.once !== 'function') {
    destination.flush!(callback)
    return
  }
  const done = (): void => {
    destination.off?.('drain', done)
    destination.off?.('error', done)
    destination.flush!(callback)
  }
  destination.once('drain', done)
  destination.once('error', done)
}

/**
 * Wraps a pino destination so that no line it receives is longer than {@link MAX_LOG_RECORD_BYTES}
 * (see {@link boundLogLine}); `flush` (which waits for a write in flight) and `flushSync` are passed through.
 */
export function boundedDestination(destination: LineDestination): LineDestination {
  // pino's multistream reads the record's metadata off itself while writing: it is left as it is.
  if ((destination as unknown as Record<symbol, unknown>)[NEEDS_METADATA] === true) return destination
  const bounded: LineDestination = { write: (line: string) => destination.write(boundLogLine(line)) }
  if (typeof destination.flush === 'function') bounded.flush = (callback) => flushWritten(destination, callback)
  if (typeof destination.flushSync === 'function') bounded.flushSync = () => destination.flushSync!()
  return bounded
}
