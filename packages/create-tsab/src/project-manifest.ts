/**
 * The package.json create-tsab writes: the tsab packages at the version of the create-tsab that runs, and the tools
 * the project builds, tests and logs with. The template's other files are copied from template/.
 */

/**
 * The tools of the written project, as ranges on the versions tsab itself is built and tested with (the workspace's
 * root devDependencies; a test keeps the two in step). TypeScript takes a `~` range: its minor versions may break.
 */
export const TOOL_VERSIONS = {
  '@types/node': '^20.19.43',
  'pino-pretty': '^13.2.0',
  typescript: '~5.9.3',
  // vite 8 (oxc) compiles the tests with decorator metadata; an older vite would pick esbuild, which emits none.
  vite: '^8.3.8',
  vitest: '^4.1.12',
} as const

/** The tsab packages the project depends on. */
export const TSAB_PACKAGES = ['@tsab/core', '@tsab/web'] as const

/** Every package name the written project depends on. */
export const DEPENDENCY_NAMES: readonly string[] = [...TSAB_PACKAGES, ...Object.keys(TOOL_VERSIONS)]

/** The package.json of a new project, as a JSON text ending in a newline. */
export function projectManifest(name: string, tsabVersion: string): string {
  const manifest = {
    name,
    version: '0.1.0',
    private: true,
    type: 'module',
    engines: { node: '>=20.19' },
    // `exec`: node replaces the shell npm runs a script in, so SIGTERM and SIGINT reach the app (Debian's dash would
    // die of them and leave the app running without a parent). POSIX shells only: on Windows run the node commands.
    scripts: {
      dev: 'exec node scripts/dev.mjs',
      build: 'tsc -p tsconfig.build.json',
      start: 'exec node --enable-source-maps dist/main.js',
      test: 'vitest run',
      typecheck: 'tsc -p tsconfig.json',
    },
    dependencies: Object.fromEntries(TSAB_PACKAGES.map((name) => [name, `^${tsabVersion}`])),
    devDependencies: { ...TOOL_VERSIONS },
  }
  return `${JSON.stringify(manifest, null, 2)}\n`
}
