/**
 * The errors raised by `Queue` (concurrency toolkit): full, empty, shut down.
 */
import { ErrorCodes } from './codes.js'
import { TsabError } from './tsab-error.js'

/**
 * `Queue.putNowait` on a full queue (asyncio's `QueueFull`).
 *
 * @example
 * ```ts
 * import { Queue, QueueFull } from '@tsab/core'
 * const q = new Queue<number>(1)
 * q.putNowait(1)
 * try { q.putNowait(2) } catch (e) { console.log(e instanceof QueueFull) } // true
 * ```
 */
export class QueueFull extends TsabError {
  constructor(message = 'Queue is full') {
    super(ErrorCodes.QueueFull, message)
  }
}

/**
 * `Queue.getNowait` on an empty queue (asyncio's `QueueEmpty`).
 *
 * @example
 * ```ts
 * import { Queue, QueueEmpty } from '@tsab/core'
 * try { new Queue<number>().getNowait() } catch (e) { console.log(e instanceof QueueEmpty) } // true
 * ```
 */
export class QueueEmpty extends TsabError {
  constructor(message = 'Queue is empty') {
    super(ErrorCodes.QueueEmpty, message)
  }
}

/**
 * The queue was closed (Python 3.13's `QueueShutDown`): `put` always fails, `get` fails once it is drained
 * (at once after `close({ immediate: true })`).
 *
 * @example
 * ```ts
 * import { Queue, QueueShutDown } from '@tsab/core'
 * const q = new Queue<number>()
 * q.close()
 * await q.get().catch((e) => console.log(e instanceof QueueShutDown)) // true
 * ```
 */
export class QueueShutDown extends TsabError {
  constructor(message = 'Queue is shut down', options?: ErrorOptions) {
    super(ErrorCodes.QueueShutDown, message, options)
  }
}
