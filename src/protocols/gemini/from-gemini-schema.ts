import { setOwn } from '../../hub/own'

type Json = Record<string, unknown>

const COUNTS = ['minItems', 'maxItems', 'minLength', 'maxLength', 'minProperties', 'maxProperties']

/**
 * A Gemini `Schema` (OpenAPI 3.0 subset) → JSON Schema, for upstreams of other
 * protocols: upper-case types (`OBJECT`, `STRING`) are lowered, `nullable: true`
 * becomes a `[type, "null"]` union, int64 counts sent as strings (`"5"`) become
 * numbers, and the OpenAPI-only `format: "enum"` is dropped (the `enum` stays).
 * Everything else is kept as it is; schemas nest through properties, items and anyOf.
 */
export function fromGeminiSchema(schema: unknown): Json {
  if (!schema || typeof schema !== 'object' || Array.isArray(schema)) return {}
  const src = schema as Json
  const out: Json = {}
  for (const [key, value] of Object.entries(src)) {
    if (key === 'type' && typeof value === 'string') {
      if (value.toUpperCase() !== 'TYPE_UNSPECIFIED') out.type = value.toLowerCase()
    }
    else if (key === 'properties' && value && typeof value === 'object' && !Array.isArray(value))
      out.properties = Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, fromGeminiSchema(sub)]))
    else if (key === 'items') out.items = fromGeminiSchema(value)
    else if ((key === 'anyOf' || key === 'oneOf' || key === 'allOf') && Array.isArray(value)) out[key] = value.map(fromGeminiSchema)
    else if (COUNTS.includes(key) && typeof value === 'string' && /^\d+$/.test(value)) out[key] = Number(value)
    else if (key === 'format' && value === 'enum') continue
    else if (key === 'nullable') continue
    else setOwn(out, key, value)
  }
  if (src.nullable === true) {
    if (typeof out.type === 'string') out.type = [out.type, 'null']
    else if (out.type === undefined && Array.isArray(out.anyOf)) out.anyOf = [...out.anyOf, { type: 'null' }]
    else out.nullable = true
  }
  return out
}
