/**
 * The built demo server (`dist/main.js`) in a child process, as a user runs it: its JSON log lines parsed as they
 * come, a wait for a given message, and its exit. Shared by the real-process tests.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const appDir = fileURLToPath(new URL('../', import.meta.url))
const main = fileURLToPath(new URL('../dist/main.js', import.meta.url))

// Every server started, so a failing test still leaves no process behind.
const children: ChildProcess[] = []
/** Kills (SIGKILL) every server a test started that is still running: register with `afterEach`. */
export function killServers(): void {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
}

/** A running demo server process. */
export interface Server {
  lines: Array<Record<string, unknown>>
  /** Resolves with the first log line whose `msg` matches. */
  waitForLog(pattern: RegExp): Promise<Record<string, unknown>>
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  child: ChildProcess
}

/** Starts `node dist/main.js` with `env` on top of this process's environment (PORT and [web] listen removed). */
export function startServer(env: Record<string, string>): Server {
  const { PORT: _port, TSAB__WEB__LISTEN: _listen, ...inherited } = process.env
  const child = spawn(process.execPath, [main], {
    cwd: appDir,
    // The memory backend unless a test asks for Redis: a REDIS_URL in the environment must not change these tests.
    env: { ...inherited, LOG_LEVEL: 'info', LOG_PRETTY: '', TSAB__QUEUESERVICE__BACKEND: 'memory', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.push(child)
  const lines: Array<Record<string, unknown>> = []
  const waiters: Array<{ pattern: RegExp; resolve: (line: Record<string, unknown>) => void }> = []
  let buffer = ''
  let stderr = ''
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => void (stderr += chunk))
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk
    for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
      const line = JSON.parse(buffer.slice(0, nl)) as Record<string, unknown>
      buffer = buffer.slice(nl + 1)
      lines.push(line)
      for (const waiter of [...waiters]) {
        if (!waiter.pattern.test(String(line['msg']))) continue
        waiters.splice(waiters.indexOf(waiter), 1)
        waiter.resolve(line)
      }
    }
  })
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  )
  return {
    child,
    lines,
    exited,
    waitForLog(pattern) {
      const seen = lines.find((line) => pattern.test(String(line['msg'])))
      if (seen !== undefined) return Promise.resolve(seen)
      return new Promise((resolve, reject) => {
        waiters.push({ pattern, resolve })
        void exited.then(({ code }) => reject(new Error(`server exited (${code}) before logging ${pattern}:\n${stderr}`)))
      })
    },
  }
}

