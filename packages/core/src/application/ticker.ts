/**
 * The Application's ticks: `Application.tick!` every period and `Application.tick/N!` every Nth tick, on a
 * drift-free schedule of the app's clock. When ticks run (only while running) is the Application's.
 */
import type { Clock } from '../clock/clock.js'
import { Messages, TICK_PERIODS } from '../pubsub/messages.js'
import type { PubSub } from '../pubsub/pubsub.js'

// Every Nth tick and the message it publishes, taken from the Messages table.
const PERIODIC: ReadonlyArray<readonly [number, string]> = TICK_PERIODS.map((period) => [period, Messages[`ApplicationTick${period}`]] as const)

/** What a {@link Ticker} needs. @internal */
export interface TickerOptions {
  readonly clock: Clock
  readonly pubsub: PubSub
  /** Milliseconds between ticks (> 0). */
  readonly periodMs: number
  /** Whether ticks may still be published (checked before each one). */
  isRunning(): boolean
  /** Work a tick must wait for (services added while running are initialized before the next tick). */
  pending(): Promise<void> | undefined
}

/**
 * Publishes the tick messages. Drift-free: the nth tick is due at `start + n × periodMs`, whatever the previous
 * ticks and their subscribers cost.
 *
 * @internal
 */
export class Ticker {
  readonly #options: TickerOptions
  #timer: unknown
  #origin = 0
  #count = 0

  constructor(options: TickerOptions) {
    this.#options = options
  }

  /** Starts counting from now. */
  start(): void {
    this.#origin = this.#options.clock.now()
    this.#count = 0
    this.#arm()
  }

  /** Disarms the next tick (idempotent). */
  stop(): void {
    if (this.#timer === undefined) return
    this.#options.clock.clearTimeout(this.#timer)
    this.#timer = undefined
  }

  #arm(): void {
    const { clock, periodMs } = this.#options
    const due = this.#origin + (this.#count + 1) * periodMs
    this.#timer = clock.setTimeout(this.#onTimer, Math.max(0, due - clock.now()))
  }

  readonly #onTimer = (): void => {
    this.#timer = undefined
    if (!this.#options.isRunning()) return
    const pending = this.#options.pending()
    if (pending !== undefined) void pending.then(this.#publish)
    else this.#publish()
  }

  readonly #publish = (): void => {
    const { pubsub, isRunning } = this.#options
    if (!isRunning()) return
    const count = ++this.#count
    pubsub.publish(Messages.ApplicationTick)
    for (const [period, message] of PERIODIC) {
      if (count % period === 0) pubsub.publish(message)
    }
    this.#arm()
  }
}
