/**
 * The Redis side of the bullmq backend that is not about running jobs: connection options from a URL, and one
 * BullMQ `Queue` + `QueueEvents` per job name with the handles this instance gave out, settled from the events
 * stream. Running jobs, cancels and shutdown are `bullmq-backend.ts`'s.
 */
import { CancelledError, type Logger } from '@tsab/core'
import { Queue, QueueEvents, type ConnectionOptions } from 'bullmq'
import type { Redis, RedisOptions } from 'ioredis'
import { JobFailedError } from '../queue-errors.js'
import type { JobRecordHandle } from './job-handle.js'

/** failedReason prefix of a job ended by cancel(): producers turn it back into a CancelledError. */
export const CANCEL_MARK = '[tsab:cancelled] '

/** One job name's queue, its events and the handles given out for its jobs. */
export interface QueueEntry {
  readonly queue: Queue
  // Set once the stream position is known (see openQueue).
  events: QueueEvents | undefined
  readonly ready: Promise<void>
  // Handles this instance gave out, by job id, until their job finishes.
  readonly handles: Map<string, JobRecordHandle>
  // Cancels of this instance whose remove() is in flight: the `removed` event may arrive before its reply.
  readonly removing: Map<string, CancelledError>
}

/** Parses `redis://[user:pass@]host[:port][/db]` (or `rediss://`) into ioredis options. */
export function redisOptionsFromUrl(url: string): RedisOptions {
  const parsed = new URL(url)
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new RangeError(`Expected \`[redis] url\` to be a redis:// or rediss:// URL, got ${JSON.stringify(url)}`)
  }
  const options: RedisOptions = { host: parsed.hostname || '127.0.0.1', port: parsed.port ? Number(parsed.port) : 6379 }
  if (parsed.username) options.username = decodeURIComponent(parsed.username)
  if (parsed.password) options.password = decodeURIComponent(parsed.password)
  const db = parsed.pathname.replace(/^\//, '')
  if (db) options.db = Number(db)
  if (parsed.protocol === 'rediss:') options.tls = {}
  return options
}

/** Throws: the backend was used before `start()` connected it. */
export function requireStarted(): never {
  throw new Error('bullmq backend used before start()')
}

/**
 * Opens the queue of `name` and its events stream, read from where the stream ends now (nothing written after
 * this call is missed). `ready` settles when both are connected; a failed connect surfaces through it only.
 */
export function openQueue(name: string, connection: ConnectionOptions, prefix: string, command: Redis, logger: Logger): QueueEntry {
  const queue = new Queue(name, { connection, prefix })
  queue.on('error', (err) => logger.warn({ err, queue: name }, 'BullMQ queue error'))
  const handles = new Map<string, JobRecordHandle>()
  const lastId = command.xrevrange(`${prefix}:${name}:events`, '+', '-', 'COUNT', 1).then((rows) => rows[0]?.[0] ?? '0-0')
  const ready = lastId.then(async (lastEventId) => {
    const events = new QueueEvents(name, { connection, prefix, lastEventId })
    events.on('error', (err) => logger.warn({ err, queue: name }, 'BullMQ queue events error'))
    events.on('active', ({ jobId }) => handles.get(jobId)?.setState('active'))
    events.on('waiting', ({ jobId }) => handles.get(jobId)?.setState('waiting'))
    events.on('delayed', ({ jobId }) => handles.get(jobId)?.setState('delayed'))
    events.on('completed', ({ jobId, returnvalue }) => settleCompleted(entry, jobId, returnvalue))
    events.on('failed', ({ jobId, failedReason }) => settleFailed(entry, jobId, failedReason, undefined))
    events.on('removed', ({ jobId }) => {
      const handle = handles.get(jobId)
      if (handle === undefined) return
      handles.delete(jobId)
      handle.fail('cancelled', entry.removing.get(jobId) ?? new CancelledError(undefined, `Job "${name}" (${jobId}) was removed from the queue`))
    })
    entry.events = events
    await Promise.all([queue.waitUntilReady(), events.waitUntilReady()])
  })
  const entry: QueueEntry = { queue, events: undefined, ready, handles, removing: new Map() }
  // A failed connect surfaces through the callers awaiting `ready`; never as an unhandled rejection.
  ready.catch(() => {})
  return entry
}

/** The job completed (seen on the events stream or looked up): its handle resolves with `value`. */
export function settleCompleted(entry: QueueEntry, jobId: string, value: unknown): void {
  const handle = entry.handles.get(jobId)
  if (handle === undefined) return
  entry.handles.delete(jobId)
  handle.complete(value)
}

/** The job failed for good, or was cancelled (`CANCEL_MARK`): its handle rejects accordingly. */
export function settleFailed(entry: QueueEntry, jobId: string, failedReason: string, attempts: number | undefined): void {
  const handle = entry.handles.get(jobId)
  if (handle === undefined) return
  entry.handles.delete(jobId)
  if (failedReason.startsWith(CANCEL_MARK)) {
    handle.fail('cancelled', new CancelledError(failedReason.slice(CANCEL_MARK.length), failedReason.slice(CANCEL_MARK.length)))
    return
  }
  const settle = (made: number): void => {
    handle.fail('failed', new JobFailedError(jobId, handle.name, made, failedReason))
  }
  if (attempts !== undefined) settle(attempts)
  else entry.queue.getJob(jobId).then((job) => settle(job?.attemptsMade ?? 0), () => settle(0))
}
