#!/usr/bin/env node
// Removes the current package's dist/ before a build, so files of deleted sources never linger in a packed release.
import { rmSync } from 'node:fs'

rmSync('dist', { recursive: true, force: true })
