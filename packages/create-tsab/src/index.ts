#!/usr/bin/env node
/**
 * The `create-tsab` executable (`npm create tsab@latest my-app` runs it): see cli.ts.
 */
import { runCli } from './cli.js'

process.exitCode = runCli(process.argv.slice(2), {
  cwd: process.cwd(),
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
})
