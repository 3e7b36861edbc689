/**
 * The `filename` argument of `run()`: a path (absolute, or relative to the working directory) or a `file:` URL,
 * turned into the URL the worker imports and the name a run gets by default.
 */
import { basename, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { TaskOptions } from '@tsab/core'
import { expectedMessage } from '@tsab/core/support'

/** A worker module, resolved once per distinct `filename`. */
export interface WorkerModule {
  /** The file URL the worker thread imports. */
  readonly href: string
  /** The file's path, for messages. */
  readonly path: string
  /** The default task name: the file's base name (`hash.js`). */
  readonly name: string
  /** The task options of a run without options: this name, the pool as owner (shared by those runs). */
  readonly defaultOptions: Readonly<TaskOptions>
}

const EXPECTATION = 'a path or a file: URL of a JavaScript module'

// Distinct modules kept resolved; a program uses a handful, and a flood of distinct names only costs a reset.
const CACHE_LIMIT = 1_000

/**
 * Resolves filenames to worker modules, caching the result per distinct string or URL, since `run()` is called
 * with the same few modules over and over.
 */
export class WorkerModules {
  readonly #byString = new Map<string, WorkerModule>()
  // URL objects by identity: a caller keeps its `new URL(…, import.meta.url)` in a constant.
  readonly #byUrl = new WeakMap<URL, WorkerModule>()
  // The owner of runs without options.
  readonly #owner: string

  constructor(owner: string) {
    this.#owner = owner
  }

  /** The module for `filename`; a `TypeError` naming `filename` when it is not a path or a file: URL. */
  resolve(filename: unknown): WorkerModule {
    if (typeof filename === 'string') {
      let module = this.#byString.get(filename)
      if (module === undefined) {
        module = resolveWorkerModule(filename, this.#owner)
        if (this.#byString.size >= CACHE_LIMIT) this.#byString.clear()
        this.#byString.set(filename, module)
      }
      return module
    }
    // A URL's href is what counts: one changed after the call (`url.pathname = …`) is resolved anew.
    const cached = filename instanceof URL ? this.#byUrl.get(filename) : undefined
    if (cached !== undefined && cached.href === (filename as URL).href) return cached
    const module = resolveWorkerModule(filename, this.#owner)
    this.#byUrl.set(filename as URL, module)
    return module
  }
}

/** Resolves `filename`; a `TypeError` naming `filename` for anything else. */
export function resolveWorkerModule(filename: unknown, owner: string): WorkerModule {
  let url: URL
  if (filename instanceof URL) url = filename
  else if (typeof filename === 'string' && filename.length > 0) {
    url = filename.startsWith('file:') ? parseUrl(filename) : pathToFileURL(resolve(filename))
  } else throw new TypeError(expectedMessage('filename', EXPECTATION, filename))
  if (url.protocol !== 'file:') throw new TypeError(expectedMessage('filename', EXPECTATION, filename))
  const path = fileURLToPath(url)
  const name = basename(path)
  return { href: url.href, path, name, defaultOptions: Object.freeze({ name, owner }) }
}

function parseUrl(text: string): URL {
  try {
    return new URL(text)
  } catch {
    throw new TypeError(expectedMessage('filename', EXPECTATION, text))
  }
}
