/**
 * The `[workers]` config section, read and checked once at `initialize()`: a bad value stops the start with a
 * message naming `[workers] key`, never a run or the shutdown.
 */
import { availableParallelism } from 'node:os'
import type { Config } from '@tsab/core'

/** The config section of `WorkerPoolService`. */
export const CONFIG_SECTION = 'workers'

/** The pool's settings, as read from `[workers]`. */
export interface WorkerPoolConfig {
  /** Threads at most (`threads`); default the available parallelism − 1, at least 1. */
  readonly threads: number
  /** Runs that may wait for a thread (`max_queue`); Infinity when unlimited (the default). */
  readonly maxQueue: number
  /** Milliseconds an idle thread beyond the first lives on (`idle_timeout`, default 30 s). */
  readonly idleTimeoutMs: number
  /** Milliseconds a run that watches its signal gets to stop by itself before its thread is terminated (`cancel_grace`, default 1 s). */
  readonly cancelGraceMs: number
  /** V8 old-generation limit per thread in MB (`max_old_generation_size_mb`); undefined: Node's default. */
  readonly maxOldGenerationSizeMb: number | undefined
}

/** The default of `[workers] threads`: one core is left to the event loop. */
export function defaultThreads(): number {
  return Math.max(1, availableParallelism() - 1)
}

/** Reads and checks `[workers]`; throws `TSAB_CONFIG_VALUE` naming the key on a bad value. */
export function readWorkerPoolConfig(config: Config): WorkerPoolConfig {
  const s = CONFIG_SECTION
  return {
    threads: config.getNumber(s, 'threads', defaultThreads(), { min: 1, max: 1_024, integer: true }),
    maxQueue: config.getNumber(s, 'max_queue', Infinity, { min: 0, integer: true, allowInfinity: true }),
    idleTimeoutMs: config.getDuration(s, 'idle_timeout', 30_000, { min: 0, max: 2_147_483_647 }),
    cancelGraceMs: config.getDuration(s, 'cancel_grace', 1_000, { min: 0, max: 2_147_483_647 }),
    maxOldGenerationSizeMb: config.getNumber(s, 'max_old_generation_size_mb', undefined, { min: 1, integer: true }),
  }
}
