// The tsab task dashboard page: loads a snapshot from `api/tasks`, then follows `api/events` (Server-Sent Events)
// and reconnects when the stream drops. Read-only. Everything shown is set as text (never as HTML), so task names,
// error messages and stacks cannot inject markup. Plain ES module, no build step; the chart is uPlot (global).

const HISTORY_POINTS = 300
const MAX_FAILURES = 20
const MAX_RECENT = 15
// A stream that sent nothing for this long is treated as dead (stats come every second).
const SILENCE_MS = 5_000
const SNAPSHOT_EVERY_MS = 5_000

const token = new URLSearchParams(location.search).get('token')
const authHeaders = token ? { authorization: `Bearer ${token}` } : {}
const $ = (id) => document.getElementById(id)

/** An element with attributes and children; strings become text nodes. */
function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag)
  for (const [name, value] of Object.entries(attributes)) if (value !== undefined) node.setAttribute(name, String(value))
  for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child ?? '')))
  return node
}

const integer = new Intl.NumberFormat('en-US')
function count(value) {
  return typeof value === 'number' ? integer.format(value) : '–'
}
function duration(ms) {
  if (typeof ms !== 'number') return '–'
  if (ms < 1) return `${ms.toFixed(2)} ms`
  if (ms < 1_000) return `${ms.toFixed(ms < 10 ? 1 : 0)} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`
}
function time(at) {
  return new Date(at).toLocaleTimeString()
}

// --- live state -------------------------------------------------------------------------------------------------

const history = { at: [], succeeded: [], failed: [], cancelled: [] }
let failures = []
let recent = []
let omitted = 0
let chart

function setCounter(state, value) {
  const node = $(`count-${state}`)
  const text = count(value)
  if (node.textContent === text) return
  node.textContent = text
  const box = node.parentElement
  box.classList.remove('changed')
  void box.offsetWidth // restart the flash animation
  box.classList.add('changed')
}

function renderStats(event) {
  for (const state of ['running', 'queued', 'succeeded', 'failed', 'cancelled', 'restarts']) setCounter(state, event.stats[state])
  if (event.rate !== undefined) {
    $('rate-succeeded').textContent = String(event.rate.succeeded)
    $('rate-failed').textContent = String(event.rate.failed)
    $('rate-cancelled').textContent = String(event.rate.cancelled)
  }
  $('loop-delay').textContent = duration(event.loop.delayP99Ms)
  $('loop-utilization').textContent = `${(event.loop.utilization * 100).toFixed(1)} %`
  renderGroups(event.byName)
  renderForever(event.forever)
}

function renderGroups(groups) {
  const rows = groups.map((group) =>
    el(
      'tr',
      {},
      el('td', {}, group.owner ?? '–'),
      el('td', {}, group.name),
      el('td', { class: 'num' }, count(group.running)),
      el('td', { class: 'num' }, count(group.queued)),
      el('td', { class: 'num' }, count(group.succeeded)),
      el('td', { class: group.failed > 0 ? 'num failed-count' : 'num' }, count(group.failed)),
      el('td', { class: 'num' }, count(group.cancelled)),
      el('td', { class: 'num' }, duration(group.p50Ms)),
      el('td', { class: 'num' }, duration(group.p95Ms)),
      el('td', { class: 'error', title: group.lastError }, group.lastError ?? ''),
    ),
  )
  $('groups-body').replaceChildren(...(rows.length > 0 ? rows : [el('tr', {}, el('td', { colspan: 10, class: 'empty' }, 'No task yet.'))]))
}

function renderForever(runners) {
  const rows = runners.map((runner) =>
    el('tr', {}, el('td', {}, runner.name), el('td', { class: 'num' }, count(runner.restarts)), el('td', {}, runner.running ? 'yes' : 'no')),
  )
  $('forever-body').replaceChildren(...(rows.length > 0 ? rows : [el('tr', {}, el('td', { colspan: 3, class: 'empty' }, 'None.'))]))
}

// The last snapshot's task list and when it arrived: ages keep counting between snapshots.
let listed = { tasks: [], total: 0, receivedAt: 0 }

function renderTasks() {
  const elapsed = performance.now() - listed.receivedAt
  $('tasks-total').textContent = listed.total > listed.tasks.length ? `${count(listed.tasks.length)} of ${count(listed.total)}` : `${count(listed.total)}`
  const rows = listed.tasks.map((task) =>
    el(
      'tr',
      {},
      el('td', { class: 'num' }, task.id),
      el('td', {}, task.name),
      el('td', {}, task.owner ?? '–'),
      el('td', {}, el('span', { class: 'state-badge', 'data-state': task.state }, task.state)),
      el('td', { class: 'num' }, duration(task.ageMs + elapsed)),
    ),
  )
  $('tasks-body').replaceChildren(...(rows.length > 0 ? rows : [el('tr', {}, el('td', { colspan: 5, class: 'empty' }, 'Nothing queued or running.'))]))
}

function renderFailures() {
  $('no-failures').hidden = failures.length > 0
  const items = failures.map((task) => {
    const error = task.error ?? { name: 'Error', message: '' }
    const item = el(
      'li',
      { class: 'failure', 'data-task-id': task.id },
      el('div', {}, el('span', { class: 'title' }, `${task.name} #${task.id}`), el('span', { class: 'when' }, `${task.owner ?? 'no owner'} · ${time(task.finishedAt)} · ${duration(task.durationMs)}`)),
      el('div', { class: 'message' }, `${error.name}: ${error.message}`),
    )
    if (error.stack) item.append(el('pre', { class: 'stack' }, error.stack))
    return item
  })
  $('failure-list').replaceChildren(...items)
}

function renderRecent() {
  const items = recent.map((task) =>
    el('li', {}, el('span', { class: 'state', 'data-state': task.state }, task.state), el('span', {}, `${task.name} #${task.id}`), el('span', { class: 'duration' }, duration(task.durationMs))),
  )
  $('recent-list').replaceChildren(...items)
  $('recent-omitted').textContent = omitted > 0 ? `${count(omitted)} more finished without being listed` : recent.length === 0 ? 'Nothing finished yet.' : ''
}

function onTasks(event) {
  const newest = [...event.tasks].reverse()
  const newFailures = newest.filter((task) => task.state === 'failed' && !failures.some((known) => known.id === task.id))
  if (newFailures.length > 0) {
    failures = [...newFailures, ...failures].slice(0, MAX_FAILURES)
    renderFailures()
  }
  recent = [...newest, ...recent].slice(0, MAX_RECENT)
  omitted += event.omitted
  renderRecent()
}

// --- chart --------------------------------------------------------------------------------------------------------

function chartData() {
  return [history.at.map((at) => at / 1000), history.succeeded, history.failed, history.cancelled]
}

function drawChart() {
  const box = $('chart')
  const width = Math.max(300, box.clientWidth)
  if (chart === undefined) {
    chart = new uPlot(
      {
        width,
        height: 220,
        scales: { y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] } },
        series: [
          {},
          { label: 'succeeded/s', stroke: '#1f9d55', width: 2, fill: 'rgba(31,157,85,0.08)' },
          { label: 'failed/s', stroke: '#d64545', width: 2 },
          { label: 'cancelled/s', stroke: '#d08a1c', width: 1.5 },
        ],
        axes: [{}, { size: 60 }],
      },
      chartData(),
      box,
    )
    new ResizeObserver(() => chart.setSize({ width: Math.max(300, box.clientWidth), height: 220 })).observe(box)
  } else chart.setData(chartData())
}

function addPoint(at, rate) {
  if (history.at.length > 0 && at <= history.at[history.at.length - 1]) return
  history.at.push(at)
  history.succeeded.push(rate.succeeded)
  history.failed.push(rate.failed)
  history.cancelled.push(rate.cancelled)
  for (const series of Object.values(history)) if (series.length > HISTORY_POINTS) series.splice(0, series.length - HISTORY_POINTS)
  drawChart()
}

// --- data sources ------------------------------------------------------------------------------------------------

function setStatus(status, text) {
  const node = $('connection')
  node.dataset.status = status
  node.textContent = text
}

async function loadSnapshot() {
  const response = await fetch('api/tasks', { headers: authHeaders, cache: 'no-store' })
  if (response.status === 401) {
    setStatus('unauthorized', 'token needed')
    throw new Error('unauthorized')
  }
  if (!response.ok) throw new Error(`api/tasks answered ${response.status}`)
  const snapshot = await response.json()
  $('app-name').textContent = snapshot.app
  document.title = `${snapshot.app} · tsab tasks`
  for (const key of Object.keys(history)) history[key] = [...snapshot.history[key]]
  failures = snapshot.failures
  renderStats(snapshot)
  listed = { tasks: snapshot.tasks, total: snapshot.total, receivedAt: performance.now() }
  renderTasks()
  renderFailures()
  renderRecent()
  drawChart()
}

let source
let silenceTimer
let retryMs = 1_000
let connectedBefore = false

function connect() {
  source?.close()
  const url = token ? `api/events?token=${encodeURIComponent(token)}` : 'api/events'
  const stream = new EventSource(url)
  source = stream
  const heard = () => {
    clearTimeout(silenceTimer)
    silenceTimer = setTimeout(reconnect, SILENCE_MS)
  }
  stream.addEventListener('open', () => {
    retryMs = 1_000
    setStatus('live', 'live')
    heard()
    // Catch up on what happened while the stream was down (history, failures, the task list).
    if (connectedBefore) loadSnapshot().catch(() => {})
    connectedBefore = true
  })
  stream.addEventListener('stats', (message) => {
    heard()
    const event = JSON.parse(message.data)
    renderStats(event)
    renderTasks()
    addPoint(event.at, event.rate)
  })
  stream.addEventListener('task', (message) => {
    heard()
    onTasks(JSON.parse(message.data))
  })
  stream.addEventListener('error', () => {
    // The browser retries a dropped stream by itself; a refused one (401, 503) is closed for good: retry here.
    if (stream.readyState === EventSource.CLOSED) reconnect()
    else setStatus('reconnecting', 'reconnecting…')
  })
}

let reconnectTimer

// One reconnect at a time, with a growing delay while the server stays away.
function reconnect() {
  clearTimeout(silenceTimer)
  source?.close()
  setStatus('reconnecting', 'reconnecting…')
  if (reconnectTimer !== undefined) return
  reconnectTimer = setTimeout(() => {
    reconnectTimer = undefined
    connect()
  }, retryMs)
  retryMs = Math.min(retryMs * 2, 8_000)
}

setInterval(() => {
  if (document.visibilityState === 'visible' && source?.readyState === EventSource.OPEN) loadSnapshot().catch(() => {})
}, SNAPSHOT_EVERY_MS)

loadSnapshot()
  .catch(() => {})
  .finally(connect)
