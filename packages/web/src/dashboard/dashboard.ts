/**
 * `Dashboard`: the data behind the live task dashboard of one application. It watches the TaskService through its
 * public API only (the observer API, `list()`, `stats()`, `listForever()`) and the event loop through `perf_hooks`,
 * keeps bounded aggregates, and pushes them to the event streams. HTTP (routes, token, files) is in
 * `dashboard-routes.ts`; the WebService starts and stops it.
 */
import type { Clock, Logger, TaskService } from '@tsab/core'
import type { ServerResponse } from 'node:http'
import type { DashboardSnapshot, DashboardStatsEvent } from './dashboard-types.js'
import { EventStreams, format } from './event-stream.js'
import { FinishedTasks } from './finished-tasks.js'
import { LoopSampler } from './loop-sampler.js'
import { oldestTasks } from './oldest-tasks.js'
import { loadPageAssets, type PageAssets } from './page-assets.js'
import { TaskGroups } from './task-groups.js'
import { ThroughputHistory } from './throughput-history.js'

/** How often finished tasks are sent (`task` events) and slow clients looked for, in ms. */
const TICK_MS = 250
/** How often counters, rates and the loop are sampled and sent (`stats` events), in ms. */
const SAMPLE_MS = 1_000
/** The oldest tasks a snapshot lists. */
export const SNAPSHOT_TASKS = 500
/** What an `EventSource` waits before it reconnects, in ms. */
const RETRY_MS = 1_000

/** What the dashboard watches and where it reports. */
export interface DashboardOptions {
  readonly taskService: TaskService
  readonly clock: Clock
  readonly logger: Logger
  /** Shown on the page. */
  readonly appName: string
}

/** The live task dashboard's data: started at init-time, stopped at finalize. */
export class Dashboard {
  readonly #taskService: TaskService
  readonly #clock: Clock
  readonly #logger: Logger
  readonly #appName: string
  readonly #groups = new TaskGroups()
  readonly #finished: FinishedTasks
  readonly #history = new ThroughputHistory()
  readonly #loop = new LoopSampler()
  readonly #streams: EventStreams
  #assets: PageAssets | undefined
  #unobserve: (() => void) | undefined
  #timer: unknown
  #lastSampleAt = 0
  // From the start of the WebService's drain: no new stream opens (it would hold the drain up).
  #streaming = false

  constructor(options: DashboardOptions) {
    this.#taskService = options.taskService
    this.#clock = options.clock
    this.#logger = options.logger
    this.#appName = options.appName
    this.#finished = new FinishedTasks(options.clock)
    this.#streams = new EventStreams({ clock: options.clock, logger: options.logger })
  }

  /** Whether the dashboard is observing the TaskService (between `start()` and `stop()`). */
  get isRunning(): boolean {
    return this.#unobserve !== undefined
  }

  /** Open event streams. */
  get streams(): number {
    return this.#streams.size
  }

  /** The page's files (loaded by `start()`). */
  get assets(): PageAssets {
    if (this.#assets === undefined) throw new Error('The dashboard is not started')
    return this.#assets
  }

  /** Reads the page's files, then starts observing the TaskService and sampling. */
  async start(): Promise<void> {
    if (this.#unobserve !== undefined) return
    this.#assets = await loadPageAssets()
    // Tasks already queued or running are counted from a snapshot taken in the same turn as the observer starts,
    // so no task is counted twice or missed.
    this.#groups.seed(this.#taskService.list())
    this.#unobserve = this.#taskService.observe({
      scheduled: (task) => this.#groups.scheduled(task),
      started: (task) => void this.#groups.started(task),
      finished: (task) => {
        this.#groups.finished(task)
        this.#finished.add(task, this.#streams.size > 0)
      },
    })
    this.#loop.start()
    this.#sample()
    this.#streaming = true
    this.#arm()
  }

  /** What `GET /tsab/api/tasks` answers. */
  snapshot(): DashboardSnapshot {
    const tasks = this.#taskService.list()
    return {
      app: this.#appName,
      at: Math.round(this.#clock.wallNow()),
      tasks: oldestTasks(tasks, SNAPSHOT_TASKS),
      total: tasks.length,
      stats: this.#taskService.stats(),
      byName: this.#groups.summaries(),
      forever: this.#taskService.listForever(),
      loop: this.#loop.latest,
      history: this.#history.toJSON(),
      failures: this.#finished.recentFailures(),
    }
  }

  /** Whether a new event stream would be accepted now (not stopping, not at the limit of streams). */
  get acceptsStreams(): boolean {
    return this.#streaming && this.#streams.hasRoom
  }

  /** Turns `response` into an event stream: the latest `stats` event at once, then every event as it comes. */
  openStream(response: ServerResponse): void {
    this.#streams.open(response, RETRY_MS, format('stats', this.#statsEvent()))
  }

  /** Ends every event stream and accepts no new one (the WebService's drain starts). */
  endStreams(): void {
    this.#streaming = false
    this.#streams.closeAll()
    this.#finished.dropBatch()
  }

  /** Stops observing and sampling, and ends the streams. Safe to call twice. */
  stop(): void {
    this.endStreams()
    this.#unobserve?.()
    this.#unobserve = undefined
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer)
    this.#timer = undefined
    this.#loop.stop()
  }

  #arm(): void {
    this.#timer = this.#clock.setTimeout(() => this.#tick(), TICK_MS)
  }

  #tick(): void {
    this.#timer = undefined
    try {
      // Half a tick of slack: timers fire a little late, and a sample should still come every SAMPLE_MS.
      if (this.#clock.now() - this.#lastSampleAt >= SAMPLE_MS - TICK_MS / 2) this.#sample()
      if (this.#streams.size > 0) {
        const batch = this.#finished.takeBatch()
        if (batch !== undefined) this.#streams.broadcast('task', JSON.stringify(batch))
        else this.#streams.sweep()
      } else this.#finished.dropBatch()
    } catch (error) {
      this.#logger.error({ err: error }, 'The dashboard failed to sample or send its data')
    }
    if (this.#unobserve !== undefined) this.#arm()
  }

  #sample(): void {
    const now = this.#clock.now()
    this.#lastSampleAt = now
    this.#history.sample(this.#taskService.stats(), now, this.#clock.wallNow())
    this.#loop.sample()
    if (this.#streams.size > 0) this.#streams.broadcast('stats', this.#statsEvent())
  }

  // The data of a `stats` event: the counters now, the rates and loop of the last sample.
  #statsEvent(): string {
    const stats = this.#taskService.stats()
    const event: DashboardStatsEvent = {
      at: Math.round(this.#clock.wallNow()),
      stats,
      total: stats.queued + stats.running,
      rate: this.#history.latest,
      byName: this.#groups.summaries(),
      forever: this.#taskService.listForever(),
      loop: this.#loop.latest,
    }
    return JSON.stringify(event)
  }
}
