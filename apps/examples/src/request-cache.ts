/**
 * IPv8 tutorial, "Futures and caches": a NumberCache with a registered Future shows the three ways a future ends —
 * given a result, timed out with its `onTimeout` value, or cancelled when the RequestCache shuts down.
 */
import { Future, NumberCache, RequestCache } from '@tsab/core'
import { runIfMain } from './run-if-main.js'

/** A cache whose future gets `false` when the cache times out (after one second). */
export class MyCache extends NumberCache {
  /** The prefix of every MyCache. */
  static readonly prefix = 'my cache'
  /** Set to `true` by {@link MyCache.finish}, to `false` on timeout. */
  readonly awaitable = new Future<boolean>()

  constructor(requestCache: RequestCache, number: number) {
    super(requestCache, MyCache.prefix, number)
    this.registerFuture(this.awaitable, { onTimeout: false })
  }

  override get timeoutDelay(): number {
    return 1_000
  }

  /** The answer arrived. */
  finish(): void {
    this.awaitable.setResult(true)
  }
}

/** Runs the tutorial's three caches; returns what it prints. */
export async function main(): Promise<string> {
  const lines: string[] = []
  const rq = new RequestCache()

  rq.add(new MyCache(rq, 0))
  rq.passthrough(() => rq.add(new MyCache(rq, 1))) // times out on the next macrotask instead of after 1 s
  rq.add(new MyCache(rq, 2))

  const get = (n: number) => rq.get(MyCache.prefix, n) as MyCache
  const future0 = get(0).awaitable
  const future1 = get(1).awaitable
  const future2 = get(2).awaitable

  get(0).finish()
  await future0
  lines.push(`future0.result()=${future0.result()}`)
  rq.pop(MyCache.prefix, 0)

  await future1
  lines.push(`future1.result()=${future1.result()}`)

  await rq.shutdown()
  lines.push(`future2.isCancelled=${future2.isCancelled}`)
  return lines.join('\n')
}

await runIfMain(import.meta.url, main)
