import { jsonrepair } from 'jsonrepair'

/**
 * Tool-call arguments as an object. Models sometimes emit truncated or sloppy
 * JSON; repair it where possible, and never lose the text: anything that still
 * fails to parse, or parses to a non-object, comes back under `_raw`/`_value`.
 */
export function parseToolArguments(text: string): Record<string, unknown> {
  if (text.trim() === '') return {}
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    try {
      value = JSON.parse(jsonrepair(text))
    } catch {
      return { _raw: text }
    }
  }
  if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>
  return { _value: value }
}
