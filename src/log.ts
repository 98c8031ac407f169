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

/** The longest line the gateway logs, and the longest single value (a model name, a path) inside one. */
export const MAX_LOG_LINE = 2000
export const MAX_LOG_VALUE = 200

const CONTROL = /[\u0000-\u001f\u007f\u2028\u2029]/g
const ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' }

/**
 * One log line, whatever went into it: control characters (a newline in a model name) are written
 * escaped, so a client cannot forge a line of its own, and the line is capped at MAX_LOG_LINE.
 */
export function logLine(message: string): string {
  const s = message.replace(CONTROL, (c) => ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
  return s.length > MAX_LOG_LINE ? `${s.slice(0, MAX_LOG_LINE)}…(${s.length - MAX_LOG_LINE} more)` : s
}

/** A client-supplied value inside a log line (a model, a path), capped at MAX_LOG_VALUE characters. */
export function logValue(value: string): string {
  return value.length > MAX_LOG_VALUE ? `${value.slice(0, MAX_LOG_VALUE)}…` : value
}

/**
 * One-line logs. Callers pass only what is safe to print: routes, models,
 * statuses, timings. Request headers and bodies are never logged; and every line
 * goes through `redact`, which removes the gateway's secrets by value, whatever a caller passed.
 */
export function createLogger(level: LogLevel, redact: (line: string) => string = (m) => m): Logger {
  const at = RANK[level]
  return {
    error: (m) => at >= 1 && console.error(logLine(redact(m))),
    warn: (m) => at >= 2 && console.warn(logLine(redact(`warning: ${m}`))),
    info: (m) => at >= 2 && console.log(logLine(redact(m))),
    debug: (m) => at >= 3 && console.log(logLine(redact(m))),
    debugging: at >= 3,
  }
}
