// @ts-check
/**
 * What Piscina loads as its `filename`: a CommonJS shim in front of `worker-entry.js`. Piscina first loads its
 * filename with `require()`; on Node 20.19+ that `require()` of an ES module (require(esm)) can bring the whole
 * process down with a V8 fatal error ("v8::Module::IsGraphAsync must be used on an instantiated module") when the
 * module graph is still being instantiated in the thread. A CommonJS file is required the classic way, and the ES
 * module behind it is loaded once per thread with `import()`.
 */
'use strict'

const { join } = require('node:path')
const { pathToFileURL } = require('node:url')

/** @type {((message: import('./protocol.js').RunMessage) => unknown) | undefined} the entry's run function, once loaded */
let run
/** @type {Promise<(message: import('./protocol.js').RunMessage) => unknown> | undefined} */
let loading

/**
 * Runs one task through `worker-entry.js` (see its `runWorkerTask`); synchronous once that module is loaded.
 *
 * @param {import('./protocol.js').RunMessage} message
 * @returns {unknown}
 */
function runWorkerTask(message) {
  if (run !== undefined) return run(message)
  loading ??= import(pathToFileURL(join(__dirname, 'worker-entry.js')).href).then((entry) => (run = entry.runWorkerTask))
  return loading.then((loaded) => loaded(message))
}

module.exports = { runWorkerTask }
