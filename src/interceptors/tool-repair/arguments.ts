import { jsonrepair } from 'jsonrepair'
import type { HubTool } from '../../hub/request'
import { propertySchema, requiresNothing } from './declared-tools'

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** JSON text, or almost-JSON that jsonrepair can mend, as a value; undefined when neither. */
export function parseLoose(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    try {
      return JSON.parse(jsonrepair(text))
    } catch {
      return undefined
    }
  }
}

/**
 * A textual call's arguments as the JSON text a structured call carries, or
 * undefined when they cannot be recovered (the text then stays text: no `{}` is
 * ever made up for a tool that needs arguments). `raw` is what the model wrote:
 * an object, a JSON (or almost-JSON) string, or nothing.
 */
export function toArguments(raw: unknown, tool: HubTool): string | undefined {
  if (tool.kind === 'custom') {
    if (typeof raw === 'string') return raw
    if (isObject(raw) && typeof raw.input === 'string') return raw.input
    return undefined
  }
  if (raw === undefined || raw === null || raw === '') return requiresNothing(tool) ? '{}' : undefined
  if (typeof raw === 'string') raw = parseLoose(raw)
  if (!isObject(raw)) return undefined
  if (Object.keys(raw).length === 0 && !requiresNothing(tool)) return undefined
  return JSON.stringify(raw)
}

/** Arguments written as named text values (XML-style calls): each value read as its schema type says. */
export function argumentsFromParams(params: [string, string][], tool: HubTool): string | undefined {
  if (tool.kind === 'custom') return params.length === 1 ? params[0]![1] : undefined
  const args: Record<string, unknown> = {}
  for (const [name, text] of params) args[name] = coerce(text, propertySchema(tool, name))
  return toArguments(args, tool)
}

function types(schema: Record<string, unknown> | undefined): string[] {
  if (!schema) return ['string']
  const t = schema.type
  if (typeof t === 'string') return [t]
  if (Array.isArray(t)) return t.filter((x): x is string => typeof x === 'string')
  if (schema.properties) return ['object']
  if (schema.items) return ['array']
  for (const key of ['anyOf', 'oneOf'] as const) {
    const alts = schema[key]
    if (Array.isArray(alts)) return alts.flatMap((a) => (isObject(a) ? types(a) : []))
  }
  return ['string']
}

/**
 * A parameter's text as its schema type: numbers, booleans, null, objects and
 * arrays parsed; a string-typed (or unknown) parameter keeps the text exactly.
 * Text that does not read as the type stays a string (the client's validation
 * then says what is wrong, as it would for a structured call).
 */
export function coerce(text: string, schema: Record<string, unknown> | undefined): unknown {
  const ts = types(schema)
  if (ts.includes('string') || ts.length === 0) return text
  const v = text.trim()
  for (const t of ts) {
    if (t === 'integer' || t === 'number') {
      const n = Number(v)
      if (v !== '' && Number.isFinite(n) && (t === 'number' || Number.isInteger(n))) return n
    } else if (t === 'boolean') {
      if (/^true$/i.test(v)) return true
      if (/^false$/i.test(v)) return false
    } else if (t === 'null') {
      if (v === 'null' || v === 'None') return null
    } else if (t === 'object' || t === 'array') {
      if (v.startsWith(t === 'object' ? '{' : '[')) {
        const parsed = parseLoose(v)
        if (t === 'object' ? isObject(parsed) : Array.isArray(parsed)) return parsed
      }
    }
  }
  return text
}
