/**
 * The live task dashboard in a real browser: the built demo server runs as a real process, Debian's headless
 * Chromium (driven by playwright-core, never a downloaded browser) opens `/tsab/`, jobs are posted over HTTP, and
 * the page must show them within 2 s (counters change, a failing job's stack appears, the chart is drawn). Then the
 * server is restarted on the same port and the page must reconnect by itself.
 *
 * It writes a screenshot to `test-results/dashboard.png`, and to `docs/images/dashboard.png` (the README's) when
 * that file is missing or `TSAB_UPDATE_SCREENSHOT=1` is set, so a test run does not change a committed file.
 * Generous timeouts for starting processes and the browser (2 loaded cores); the 2 s bound is for the live update.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { buildDemo } from './demo-build.js'
import { killServers, startServer } from './server-process.js'

// What the functions run in the page use of the DOM (this project compiles without the DOM library).
interface PageNode {
  readonly textContent: string | null
}
declare const document: {
  querySelector(selector: string): PageNode | null
  querySelectorAll(selector: string): Iterable<PageNode>
}

const CHROMIUM = '/usr/bin/chromium'
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
]
const root = fileURLToPath(new URL('../../../', import.meta.url))
// The bound the issue sets for the page to show what happened; everything else gets room for a loaded machine.
const LIVE_MS = 2_000
const START_MS = 60_000

let context: BrowserContext | undefined
let profile: string | undefined

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: apt-get install -y chromium (bash .ci/run installs it)`)
  buildDemo()
  profile = mkdtempSync(join(tmpdir(), 'tsab-chromium-'))
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    headless: true,
    viewport: { width: 1280, height: 900 },
    timeout: START_MS,
  })
}, 180_000)

afterAll(async () => {
  await context?.close()
  if (profile !== undefined) rmSync(profile, { recursive: true, force: true })
})

afterEach(killServers)

async function postJobs(url: string, kind: string, count: number): Promise<void> {
  const res = await fetch(`${url}/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ kind, count }) })
  expect(res.status).toBe(202)
}

function counter(page: Page, state: string): Promise<number> {
  return page.$eval(`#count-${state}`, (node) => Number((node.textContent ?? '').replace(/[^0-9]/g, '') || Number.NaN))
}

describe('the dashboard page in headless Chromium', () => {
  it('shows jobs posted over HTTP within 2 s, the failing ones with their stacks, and reconnects after a restart', async () => {
    const server = startServer({ TSAB__WEB__LISTEN: '127.0.0.1:0', TSAB__DEMO__HEARTBEAT_INTERVAL: '1s' })
    const url = String((await server.waitForLog(/^Listening on /))['url'])
    const page = await context!.newPage()
    const errors: string[] = []
    page.on('pageerror', (error) => errors.push(String(error)))

    await page.goto(`${url}/tsab/`, { timeout: START_MS })
    await page.waitForSelector('#connection[data-status="live"]', { timeout: START_MS })
    await page.waitForFunction(() => document.querySelector('#count-succeeded')?.textContent !== '–', undefined, { timeout: START_MS })
    expect(await page.$eval('#app-name', (node) => node.textContent)).toBe('demo-server')
    for (const state of ['running', 'queued', 'succeeded', 'failed', 'cancelled']) {
      expect(await page.$eval(`.counter[data-state="${state}"] .label`, (node) => node.textContent)).toBe(state)
    }
    const succeeded = await counter(page, 'succeeded')
    const failed = await counter(page, 'failed')

    await postJobs(url, 'email', 5)
    await postJobs(url, 'fail', 2)
    // The 2 s bound starts once both requests were answered.
    await page.waitForFunction(
      ([ok, bad]) => {
        const count = (state: string) => Number((document.querySelector(`#count-${state}`)?.textContent ?? '').replace(/[^0-9]/g, ''))
        const stacks = [...document.querySelectorAll('#failure-list .failure pre.stack')].map((node) => node.textContent ?? '')
        return count('succeeded') >= ok! + 5 && count('failed') >= bad! + 2 && stacks.some((stack) => stack.includes('Simulated failure') && stack.includes('    at '))
      },
      [succeeded, failed],
      { timeout: LIVE_MS, polling: 50 },
    )
    expect(await page.locator('#chart canvas').count()).toBeGreaterThan(0)
    const groups = await page.$$eval('#groups-body tr', (rows) => rows.map((row) => [...row.querySelectorAll('td')].map((cell) => cell.textContent)))
    expect(groups).toEqual(expect.arrayContaining([expect.arrayContaining(['jobs', 'email-job']), expect.arrayContaining(['jobs', 'fail-job'])]))
    expect(await page.locator('#forever-body').textContent()).toContain('heartbeat')
    expect(await page.locator('#failure-list .failure .message').first().textContent()).toBe('Error: Simulated failure: this job kind always fails')

    // A little more traffic so the chart and the tables have something to show, then the picture for the README.
    for (let i = 0; i < 5; i++) {
      await postJobs(url, 'resize', 40 + 10 * i)
      await postJobs(url, 'email', 60 + 20 * i)
      await postJobs(url, 'fail', 2 + (i % 3))
      await page.waitForTimeout(1_000)
    }
    mkdirSync(join(root, 'test-results'), { recursive: true })
    const shot = await page.screenshot({ path: join(root, 'test-results/dashboard.png'), fullPage: true })
    expect(shot.subarray(1, 4).toString()).toBe('PNG')
    const readmeImage = join(root, 'docs/images/dashboard.png')
    if (!existsSync(readmeImage) || process.env['TSAB_UPDATE_SCREENSHOT'] === '1') {
      mkdirSync(join(root, 'docs/images'), { recursive: true })
      await page.screenshot({ path: readmeImage, fullPage: true })
    }

    // The server goes away (SIGTERM: its drain ends the event streams) and comes back on the same port.
    const port = new URL(url).port
    server.child.kill('SIGTERM')
    expect(await server.exited).toEqual({ code: 0, signal: null })
    await page.waitForSelector('#connection[data-status="reconnecting"]', { timeout: 10_000 })
    const restarted = startServer({ TSAB__WEB__LISTEN: `127.0.0.1:${port}`, TSAB__DEMO__HEARTBEAT_INTERVAL: '1s' })
    await restarted.waitForLog(/^Listening on /)
    await page.waitForSelector('#connection[data-status="live"]', { timeout: 30_000 })
    // The new process counts from zero; the page follows it.
    await postJobs(url, 'fail', 1)
    await page.waitForFunction(() => document.querySelector('#count-failed')?.textContent === '1', undefined, { timeout: LIVE_MS + 1_000 })
    expect(errors).toEqual([])
    await page.close()
  }, 180_000)
})
