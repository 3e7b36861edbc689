/**
 * Entry point of the demo server: `node dist/main.js`. Runs the app until SIGINT/SIGTERM and exits with its code.
 */
// reflect-metadata must be loaded before anything that imports tsyringe (i.e. @tsab/core).
import 'reflect-metadata'
import { DemoApp } from './demo-app.js'

process.exitCode = await new DemoApp().run()
