/**
 * Entry point of the demo server: `node dist/main.js`. Runs the app until SIGINT/SIGTERM and ends the process with its code.
 */
// reflect-metadata must be loaded before anything that imports tsyringe (i.e. @tsab/core).
import 'reflect-metadata'
import { Application } from '@tsab/core'
import { DemoApp } from './demo-app.js'

await Application.main(DemoApp)
