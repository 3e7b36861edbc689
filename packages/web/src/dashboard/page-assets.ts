/**
 * The files of the dashboard page: its HTML, script and styles (plain files in `src/dashboard/page/`, shipped with
 * the package) and uPlot's browser build and styles, resolved from `node_modules` (never copied). Read once into
 * memory when the dashboard starts; serving them is the routes' business.
 */
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

/** One file the dashboard serves. */
export interface PageAsset {
  readonly body: Buffer
  readonly contentType: string
}

/** The page's HTML and the files it loads from `assets/`, by file name. */
export interface PageAssets {
  readonly page: PageAsset
  readonly files: ReadonlyMap<string, PageAsset>
}

// `../../src/dashboard/page/` is the same folder seen from `src/dashboard/` (tests) and from `dist/dashboard/`
// (the built package, which ships `src/dashboard/page`).
const PAGE_DIR = new URL('../../src/dashboard/page/', import.meta.url)

const JS = 'text/javascript; charset=utf-8'
const CSS = 'text/css; charset=utf-8'

/** Where each served file comes from: the page's own files, and uPlot's (resolved like an import would be). */
function sources(): Array<[name: string, path: string, contentType: string]> {
  const require = createRequire(import.meta.url)
  return [
    ['dashboard.js', fileURLToPath(new URL('dashboard.js', PAGE_DIR)), JS],
    ['dashboard.css', fileURLToPath(new URL('dashboard.css', PAGE_DIR)), CSS],
    ['uPlot.iife.min.js', require.resolve('uplot/dist/uPlot.iife.min.js'), JS],
    ['uPlot.min.css', require.resolve('uplot/dist/uPlot.min.css'), CSS],
  ]
}

/** Reads every file of the page; rejects naming the file that is missing. */
export async function loadPageAssets(): Promise<PageAssets> {
  const read = async (path: string, contentType: string): Promise<PageAsset> => {
    try {
      return { body: await readFile(path), contentType }
    } catch (error) {
      throw new Error(`The dashboard page's file ${path} could not be read`, { cause: error })
    }
  }
  const page = await read(fileURLToPath(new URL('index.html', PAGE_DIR)), 'text/html; charset=utf-8')
  const files = new Map<string, PageAsset>()
  for (const [name, path, contentType] of sources()) files.set(name, await read(path, contentType))
  return { page, files }
}
