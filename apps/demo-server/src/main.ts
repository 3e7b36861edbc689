/**
 * Entry point of the demo server: `node dist/main.js`. Runs the app until SIGINT/SIGTERM and ends the process with its code.
 */
import { Application } from '@tsab/core'
import { DemoApp } from './demo-app.js'

await Application.main(DemoApp)
