#!/usr/bin/env node
// The release command: builds every publishable package of packages/* (those without "private": true) and packs
// each with `pnpm pack`, which writes the manifest as it will be published (`workspace:` ranges replaced by the
// versions they point at; npm pack would keep them). Every tarball is unpacked and checked (scripts/lib/
// packed-package.mjs): no `workspace:` range, MIT licence file and field, README, repository directory, exports and
// bins present, every source map's sources inside the tarball.
//
//   pnpm run pack:all                       tarballs and index.json into packed/
//   pnpm run pack:all --out /tmp/release    somewhere else
//   pnpm run pack:all --no-build            skip the build (dist/ is known to be fresh)
//
// Publishing is `pnpm publish -r --access public` from a clean checkout (pnpm rewrites `workspace:` there too), or
// `npm publish <tarball>` for each tarball this command wrote.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, delimiter, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { packedPackageProblems } from './lib/packed-package.mjs'

const root = fileURLToPath(new URL('..', import.meta.url))
const { values: args } = parseArgs({
  options: { out: { type: 'string', default: join(root, 'packed') }, 'no-build': { type: 'boolean', default: false } },
})
const outDir = resolve(process.cwd(), args.out)
const env = { ...process.env, TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' }

function fail(message) {
  console.error(`pack:all: ${message}`)
  process.exit(1)
}

/** How to call pnpm: the one running this script (`pnpm run pack:all`), else pnpm on PATH or in .tools/. */
function pnpmCommand() {
  const execPath = process.env.npm_execpath
  if (execPath !== undefined && /pnpm/.test(basename(execPath)) && existsSync(execPath)) return [process.execPath, [execPath]]
  env.PATH = `${join(root, '.tools', 'node_modules', '.bin')}${delimiter}${env.PATH ?? ''}`
  return ['pnpm', []]
}
const [pnpm, pnpmArgs] = pnpmCommand()

function run(command, commandArgs, options = {}) {
  const result = spawnSync(command, commandArgs, { env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options })
  if (result.error) fail(`${command} ${commandArgs.join(' ')}: ${result.error.message}`)
  if (result.status !== 0) fail(`\`${command} ${commandArgs.join(' ')}\` failed (exit code ${result.status}):\n${result.stdout ?? ''}${result.stderr ?? ''}`)
  return result.stdout ?? ''
}

const packagesDir = join(root, 'packages')
const packages = readdirSync(packagesDir)
  .filter((dir) => existsSync(join(packagesDir, dir, 'package.json')))
  .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(packagesDir, dir, 'package.json'), 'utf8')) }))
  .filter(({ manifest }) => manifest.private !== true)
if (packages.length === 0) fail('no publishable package in packages/')

if (!args['no-build']) {
  const filters = packages.map(({ manifest }) => `--filter=${manifest.name}`)
  run(pnpm, [...pnpmArgs, 'exec', 'turbo', 'run', 'build', ...filters, '--output-logs=errors-only'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] })
}

mkdirSync(outDir, { recursive: true })
for (const name of readdirSync(outDir)) {
  if (name.endsWith('.tgz') || name === 'index.json') rmSync(join(outDir, name))
}

const license = readFileSync(join(root, 'LICENSE'), 'utf8')
const index = []
const problems = []
const scratch = mkdtempSync(join(tmpdir(), 'tsab-pack-'))
try {
  for (const { dir, manifest } of packages) {
    const cwd = join(packagesDir, dir)
    const packed = JSON.parse(run(pnpm, [...pnpmArgs, 'pack', '--json', '--pack-destination', outDir], { cwd }))
    const tarball = packed.filename
    const unpacked = join(scratch, dir)
    mkdirSync(unpacked)
    run('tar', ['-xzf', tarball, '-C', unpacked])
    const packageDir = join(unpacked, 'package')
    problems.push(...packedPackageProblems(packageDir, { directory: `packages/${dir}` }))
    if (existsSync(join(packageDir, 'LICENSE')) && readFileSync(join(packageDir, 'LICENSE'), 'utf8') !== license) {
      problems.push(`${manifest.name}: LICENSE differs from the repository's LICENSE`)
    }
    index.push({ name: manifest.name, version: manifest.version, directory: `packages/${dir}`, file: basename(tarball) })
    const kB = (statSync(tarball).size / 1024).toFixed(0)
    console.log(`${basename(tarball)}  ${kB} kB  ${packed.files.length} files`)
  }
} finally {
  rmSync(scratch, { recursive: true, force: true })
}
writeFileSync(join(outDir, 'index.json'), `${JSON.stringify(index, null, 2)}\n`)
if (problems.length > 0) fail(`${problems.length} problem(s):\n  ${problems.join('\n  ')}`)
console.log(`${index.length} tarballs in ${outDir}`)
