// What a packed (or installed) tsab package must hold to be usable from another project: the checks the release
// command (scripts/pack-all.mjs) runs on every tarball it writes, and the packed-package tests run on the copies npm
// installed. A package directory is the tarball's `package/` folder or `node_modules/<name>`.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'

/** Manifest fields that name other packages: none of them may keep a `workspace:` range once packed. */
export const DEPENDENCY_FIELDS = ['dependencies', 'peerDependencies', 'optionalDependencies', 'devDependencies']

/** Every file under `dir`, as `/`-separated paths relative to it. */
export function listFiles(dir) {
  const files = []
  const walk = (current) => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const path = join(current, entry.name)
      if (entry.isDirectory()) walk(path)
      else files.push(relative(dir, path).split(sep).join('/'))
    }
  }
  walk(dir)
  return files.sort()
}

/** The string targets of an `exports` map (conditions and subpaths flattened; `null` entries close a path). */
function exportTargets(exports) {
  if (typeof exports === 'string') return [exports]
  if (exports === null || typeof exports !== 'object') return []
  return Object.values(exports).flatMap(exportTargets)
}

/**
 * Where each source map's `sources` point, for every `.map` file of the package: `{ map, source, resolved, exists }`,
 * `resolved` relative to the package directory (it starts with `../` when it leaves the package).
 */
export function sourceMapTargets(dir) {
  const targets = []
  for (const file of listFiles(dir).filter((f) => f.endsWith('.map'))) {
    const map = JSON.parse(readFileSync(join(dir, file), 'utf8'))
    const base = resolve(dir, dirname(file), map.sourceRoot ?? '')
    for (const [index, source] of (map.sources ?? []).entries()) {
      const absolute = resolve(base, source)
      const inline = typeof map.sourcesContent?.[index] === 'string'
      targets.push({
        map: file,
        source,
        resolved: relative(dir, absolute).split(sep).join('/'),
        exists: inline || (existsSync(absolute) && statSync(absolute).isFile()),
      })
    }
  }
  return targets
}

/**
 * Problems that make a packed package unusable or unpublishable, as readable sentences (empty when it is fine).
 *
 * @param dir - the package's root folder (holding package.json)
 * @param expected - `{ directory }`: the folder of the package in the repository (`packages/core`)
 */
export function packedPackageProblems(dir, expected = {}) {
  const problems = []
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
  const name = manifest.name ?? dir
  const files = new Set(listFiles(dir))
  for (const field of DEPENDENCY_FIELDS) {
    for (const [dependency, range] of Object.entries(manifest[field] ?? {})) {
      if (String(range).startsWith('workspace:')) problems.push(`${name}: ${field}.${dependency} is still "${range}"`)
    }
  }
  if (manifest.private === true) problems.push(`${name}: "private": true`)
  if (manifest.license !== 'MIT') problems.push(`${name}: license is ${JSON.stringify(manifest.license)}, expected "MIT"`)
  if (!files.has('LICENSE')) problems.push(`${name}: no LICENSE file`)
  if (!files.has('README.md')) problems.push(`${name}: no README.md`)
  if (typeof manifest.description !== 'string' || manifest.description.length === 0) problems.push(`${name}: no description`)
  if (!Array.isArray(manifest.keywords) || manifest.keywords.length === 0) problems.push(`${name}: no keywords`)
  if (typeof manifest.engines?.node !== 'string') problems.push(`${name}: no engines.node`)
  if (typeof manifest.repository?.url !== 'string') problems.push(`${name}: no repository.url`)
  if (expected.directory !== undefined && manifest.repository?.directory !== expected.directory) {
    problems.push(`${name}: repository.directory is ${JSON.stringify(manifest.repository?.directory)}, expected "${expected.directory}"`)
  }
  for (const target of exportTargets(manifest.exports)) {
    if (!target.includes('*') && !files.has(target.replace(/^\.\//, ''))) problems.push(`${name}: exports target ${target} is not in the package`)
  }
  const bins = typeof manifest.bin === 'string' ? [manifest.bin] : Object.values(manifest.bin ?? {})
  for (const bin of bins) {
    if (!files.has(bin.replace(/^\.\//, ''))) problems.push(`${name}: bin ${bin} is not in the package`)
  }
  for (const target of sourceMapTargets(dir)) {
    if (!target.exists) problems.push(`${name}: ${target.map} points at ${target.source}, which is not in the package`)
  }
  return problems
}
