export type LogLevel = 'silent' | 'error' | 'info' | 'debug'

export type LogFormat = 'text' | 'json'

/** Structured facts about a line (LOG_FORMAT=json writes them as the object's fields; text lines leave them out). */
export type LogFields = Record<string, string | number | boolean | string[] | undefined>

export interface Logger {
  error(message: string, fields?: LogFields): void
  /** Something the operator should fix that does not stop the gateway; shown from `info` up. */
  warn(message: string, fields?: LogFields): void
  info(message: string, fields?: LogFields): void
  debug(message: string, fields?: LogFields): void
  /** Whether debug lines are printed: callers skip building them otherwise. */
  readonly debugging: boolean
  /** LOG_FORMAT=json: lines are JSON objects (callers with a structured form of a line use it then). */
  readonly json?: boolean
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
 * One JSON object per line: `time` (ISO), `level`, `msg`, then the fields. Every string in it is
 * redacted before it is serialised (so the line stays valid JSON whatever a secret holds), the
 * message is capped at MAX_LOG_LINE, and U+2028/U+2029 (which JSON leaves raw) are escaped too.
 */
export function jsonLogLine(level: string, message: string, fields: LogFields | undefined, redact: (s: string) => string = (m) => m): string {
  const msg = redact(message)
  const line: Record<string, unknown> = { time: new Date().toISOString(), level, msg: msg.length > MAX_LOG_LINE ? `${msg.slice(0, MAX_LOG_LINE)}…` : msg }
  if (fields)
    for (const k in fields) {
      const v = fields[k]
      if (v === undefined || k === 'time' || k === 'level' || k === 'msg') continue
      line[k] = typeof v === 'string' ? redact(logValue(v)) : Array.isArray(v) ? v.map((x) => redact(logValue(x))) : v
    }
  return JSON.stringify(line).replace(/[\u2028\u2029]/g, (c) => (c === '\u2028' ? '\\u2028' : '\\u2029'))
}

/**
 * One-line logs. Callers pass only what is safe to print: routes, models,
 * statuses, timings. Request headers and bodies are never logged; and every line
 * goes through `redact`, which removes the gateway's secrets by value, whatever a caller passed.
 * `json` (LOG_FORMAT=json) writes each line as one JSON object (jsonLogLine).
 */
export function createLogger(level: LogLevel, redact: (line: string) => string = (m) => m, format: LogFormat = 'text'): Logger {
  const at = RANK[level]
  if (format === 'json')
    return {
      error: (m, f) => at >= 1 && console.error(jsonLogLine('error', m, f, redact)),
      warn: (m, f) => at >= 2 && console.warn(jsonLogLine('warn', m, f, redact)),
      info: (m, f) => at >= 2 && console.log(jsonLogLine('info', m, f, redact)),
      debug: (m, f) => at >= 3 && console.log(jsonLogLine('debug', m, f, redact)),
      debugging: at >= 3,
      json: true,
    }
  return {
    error: (m) => at >= 1 && console.error(logLine(redact(m))),
    warn: (m) => at >= 2 && console.warn(logLine(redact(`warning: ${m}`))),
    info: (m) => at >= 2 && console.log(logLine(redact(m))),
    debug: (m) => at >= 3 && console.log(logLine(redact(m))),
    debugging: at >= 3,
  }
}
