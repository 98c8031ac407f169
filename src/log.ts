export type LogLevel = 'silent' | 'error' | 'info' | 'debug'

export interface Logger {
  error(message: string): void
  info(message: string): void
  debug(message: string): void
}

const RANK: Record<LogLevel, number> = { silent: 0, error: 1, info: 2, debug: 3 }

/**
 * One-line logs. Callers pass only what is safe to print: routes, models,
 * statuses, timings. Request headers and bodies are never logged; and every line
 * goes through `redact`, which removes the gateway's secrets by value, whatever a caller passed.
 */
export function createLogger(level: LogLevel, redact: (line: string) => string = (m) => m): Logger {
  const at = RANK[level]
  return {
    error: (m) => at >= 1 && console.error(redact(m)),
    info: (m) => at >= 2 && console.log(redact(m)),
    debug: (m) => at >= 3 && console.log(redact(m)),
  }
}
