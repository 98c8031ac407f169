export type LogLevel = 'silent' | 'error' | 'info' | 'debug'

export interface Logger {
  error(message: string): void
  /** Something the operator should fix that does not stop the gateway; shown from `info` up. */
  warn(message: string): void
  info(message: string): void
  debug(message: string): void
  /** Whether debug lines are printed: callers skip building them otherwise. */
  readonly debugging: boolean
}

const RANK: Record<LogLevel, number> = { silent: 0, error: 1, info: 2, debug: 3 }

/**
 * One-line logs. Callers pass only what is safe to print: routes, models,
 * statuses, timings. Request headers and bodies are never logged, so keys are not either.
 */
export function createLogger(level: LogLevel): Logger {
  const at = RANK[level]
  return {
    error: (m) => at >= 1 && console.error(m),
    warn: (m) => at >= 2 && console.warn(`warning: ${m}`),
    info: (m) => at >= 2 && console.log(m),
    debug: (m) => at >= 3 && console.log(m),
    debugging: at >= 3,
  }
}
