/**
 * The one place where process signal handlers are installed: SIGINT/SIGTERM escalation and SIGHUP.
 * What a stop means is the Application's; this file only counts signals and calls back.
 */

/** What the signal handlers call. */
export interface SignalCallbacks {
  /** Every SIGINT/SIGTERM, with its ordinal (1, 2, 3, …). */
  onStopSignal(signal: NodeJS.Signals, count: number): void
  /** Every SIGHUP. */
  onHangup(): void
}

/**
 * Installs handlers for SIGINT, SIGTERM and SIGHUP and returns the function that removes them.
 * Signals are counted together: SIGINT then SIGTERM is count 2.
 */
export function installSignalHandlers(callbacks: SignalCallbacks): () => void {
  let count = 0
  const onStop = (signal: NodeJS.Signals): void => {
    count += 1
    callbacks.onStopSignal(signal, count)
  }
  const onHup = (): void => callbacks.onHangup()
  process.on('SIGINT', onStop)
  process.on('SIGTERM', onStop)
  process.on('SIGHUP', onHup)
  let installed = true
  return () => {
    if (!installed) return
    installed = false
    process.off('SIGINT', onStop)
    process.off('SIGTERM', onStop)
    process.off('SIGHUP', onHup)
  }
}
