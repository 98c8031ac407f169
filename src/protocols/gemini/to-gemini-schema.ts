import { invalidRequest } from '../../hub/errors'

type Json = Record<string, unknown>

/**
 * JSON Schema → the OpenAPI 3.0 subset Gemini's `parameters` and `responseSchema`
 * accept (https://ai.google.dev/api/caching#Schema): type, format, title,
 * description, nullable, enum (strings), items, min/maxItems, properties,
 * required, min/maxProperties, min/maxLength, pattern, minimum, maximum, anyOf,
 * propertyOrdering, default. Anything else makes Gemini answer 400 ("Unknown
 * name …: Cannot find field"), so:
 *
 * - `$ref` to a local definition (`#/$defs/x`, `#/definitions/x`, any `#/…`
 *   pointer) is inlined; a recursive one stops at `{type}` of its target.
 *   `$defs`, `definitions`, `$schema`, `$id`, `$comment` are dropped.
 * - `allOf` is merged into one schema; `oneOf` becomes `anyOf`.
 * - `type: [x, "null"]`, a `null` member of anyOf/oneOf, or `null` in an enum
 *   → `nullable: true`; several non-null types → anyOf of them.
 * - `const` (string) → `enum: [value]`; other consts and non-string enums are
 *   moved into the description (Gemini enums hold strings only).
 * - `exclusiveMinimum` / `exclusiveMaximum` (numbers) → `minimum` / `maximum`.
 * - String formats other than `enum` and `date-time` (the only ones the Gemini
 *   API accepts) move into the description; number formats other than
 *   float/double/int32/int64 are dropped.
 * - `additionalProperties`, `propertyNames`, `patternProperties`, `examples`,
 *   `strict`, `not`, `if/then/else`, `uniqueItems`, `multipleOf`, … are dropped.
 * - Empty `properties` are left out (Gemini: "should be non-empty for OBJECT
 *   type"), `required` keeps only names that are defined, and an array without
 *   `items` gets `items: {type: "string"}` (Gemini: "items: missing field").
 */
export function toGeminiSchema(schema: unknown, what = 'the schema', budget: SchemaBudget = { nodes: 0 }): Json {
  return convert(schema, { root: schema, refs: [], depth: 0, budget, what })
}

/** Schema nodes written so far; one budget may be shared by every schema of a request. */
export interface SchemaBudget {
  nodes: number
}

/**
 * A tool's parameters for a Gemini functionDeclaration, or undefined when the
 * tool takes no arguments: Gemini refuses an object schema without properties,
 * so `parameters` is left out entirely.
 */
export function toGeminiParameters(schema: unknown, what?: string, budget?: SchemaBudget): Json | undefined {
  const out = toGeminiSchema(schema, what, budget)
  const hasProperties = isObj(out.properties) && Object.keys(out.properties).length > 0
  if (!hasProperties && out.anyOf === undefined && (out.type === undefined || out.type === 'object')) return undefined
  return out
}

interface Ctx {
  root: unknown
  /** The $refs being inlined on the way here, to stop recursion. */
  refs: string[]
  depth: number
  budget: SchemaBudget
  /** What the schema belongs to, for errors (`tool "search"`). */
  what: string
}

const MAX_DEPTH = 40
/**
 * Inlining `$ref`s can multiply a schema: definitions that each use the next
 * twice expand 2^n-fold (1.4 KB became 15 MB). The schemas of one request may
 * come to at most this many nodes in all (real agents send ~100), and inline
 * at most MAX_REF_DEPTH refs within one another; beyond that the request is
 * refused rather than expanded.
 */
export const MAX_SCHEMA_NODES = 20_000
export const MAX_REF_DEPTH = 16
const STRING_FORMATS = new Set(['enum', 'date-time'])
const NUMBER_FORMATS = new Set(['float', 'double', 'int32', 'int64'])
const COUNTS = ['minItems', 'maxItems', 'minLength', 'maxLength', 'minProperties', 'maxProperties'] as const

const isObj = (v: unknown): v is Json => !!v && typeof v === 'object' && !Array.isArray(v)

function convert(node: unknown, ctx: Ctx): Json {
  if (!isObj(node) || ctx.depth > MAX_DEPTH) return {}
  if (++ctx.budget.nodes > MAX_SCHEMA_NODES)
    throw invalidRequest(
      `The schema of ${ctx.what} is too large for Gemini: with $refs inlined, the request's schemas come to more than ${MAX_SCHEMA_NODES} nodes.`,
    )
  const next: Ctx = { ...ctx, depth: ctx.depth + 1 }

  // $ref: inline the local definition, with the referring schema's own keywords on top.
  if (typeof node.$ref === 'string') {
    const { $ref: ref, ...rest } = node as Json & { $ref: string }
    const target = resolveRef(ctx.root, ref)
    if (!target) return convert(rest, next)
    if (ctx.refs.includes(ref)) {
      // A recursive structure: Gemini schemas cannot refer back, so it ends here.
      const stop: Json = { type: typeof target.type === 'string' ? target.type.toLowerCase() : 'object' }
      const description = rest.description ?? target.description
      if (typeof description === 'string') stop.description = description
      return stop
    }
    if (ctx.refs.length >= MAX_REF_DEPTH)
      throw invalidRequest(`The schema of ${ctx.what} nests more than ${MAX_REF_DEPTH} $refs within one another, too deep to inline for Gemini.`)
    return convert({ ...target, ...rest }, { ...next, refs: [...ctx.refs, ref] })
  }

  // allOf: one schema with everything the parts say.
  if (Array.isArray(node.allOf)) {
    const { allOf, ...rest } = node
    let merged: Json = rest
    for (const part of allOf) merged = mergeSchemas(merged, inlineRef(part, ctx))
    return convert(merged, next)
  }

  const out: Json = {}
  const hints: string[] = []
  let nullable = node.nullable === true

  // type
  let type = node.type
  let typeVariants: string[] | undefined
  if (Array.isArray(type)) {
    const names = type.filter((t): t is string => typeof t === 'string')
    const nonNull = names.filter((t) => t !== 'null')
    if (nonNull.length < names.length) nullable = true
    type = nonNull.length === 1 ? nonNull[0] : undefined
    if (nonNull.length > 1) typeVariants = nonNull
  }
  if (type === 'null') {
    nullable = true
    type = undefined
  }
  if (typeof type === 'string') out.type = type.toLowerCase()
  if (typeVariants) out.anyOf = typeVariants.map((t) => ({ type: t.toLowerCase() }))

  if (typeof node.title === 'string') out.title = node.title
  if (typeof node.description === 'string') out.description = node.description

  // const and enum
  if ('const' in node) {
    const value = node.const
    if (typeof value === 'string') out.enum = [value]
    else if (value === null) nullable = true
    else hints.push(`Must be ${JSON.stringify(value)}.`)
  }
  if (Array.isArray(node.enum)) {
    const values = node.enum.filter((v) => v !== null)
    if (values.length < node.enum.length) nullable = true
    if (values.length && values.every((v) => typeof v === 'string')) out.enum = values
    else if (values.length) {
      hints.push(`Allowed values: ${values.map((v) => JSON.stringify(v)).join(', ')}.`)
      const shared = out.type === undefined ? sharedType(values) : undefined
      if (shared) out.type = shared
    }
  }
  if (out.enum && out.type === undefined) out.type = 'string'

  // format
  if (typeof node.format === 'string') {
    if (out.type === 'string' && STRING_FORMATS.has(node.format)) out.format = node.format
    else if ((out.type === 'number' || out.type === 'integer') && NUMBER_FORMATS.has(node.format)) out.format = node.format
    else if (out.type === 'string' || out.type === undefined) hints.push(`Format: ${node.format}.`)
  }

  // numbers, lengths, counts
  if (typeof node.minimum === 'number') out.minimum = node.minimum
  if (typeof node.maximum === 'number') out.maximum = node.maximum
  if (typeof node.exclusiveMinimum === 'number' && out.minimum === undefined) out.minimum = node.exclusiveMinimum
  if (typeof node.exclusiveMaximum === 'number' && out.maximum === undefined) out.maximum = node.exclusiveMaximum
  for (const key of COUNTS) {
    const v = node[key]
    if (typeof v === 'number') out[key] = v
    else if (typeof v === 'string' && /^\d+$/.test(v)) out[key] = Number(v)
  }
  if (typeof node.pattern === 'string') out.pattern = node.pattern
  if (['string', 'number', 'boolean'].includes(typeof node.default)) out.default = node.default

  // arrays
  const tuple = Array.isArray(node.prefixItems) ? node.prefixItems : Array.isArray(node.items) ? node.items : undefined
  if (isObj(node.items)) out.items = convert(node.items, next)
  else if (tuple?.length) {
    const items = tuple.map((t) => convert(t, next))
    out.items = items.length === 1 ? items[0] : { anyOf: items }
  }
  if (out.type === 'array' && out.items === undefined) out.items = { type: 'string' }

  // objects
  if (isObj(node.properties)) {
    const entries = Object.entries(node.properties).map(([name, sub]) => [name, convert(sub, next)] as const)
    if (entries.length) out.properties = Object.fromEntries(entries)
  }
  const defined = isObj(out.properties) ? Object.keys(out.properties) : []
  if (Array.isArray(node.required)) {
    const required = node.required.filter((r): r is string => typeof r === 'string' && defined.includes(r))
    if (required.length) out.required = required
  }
  if (Array.isArray(node.propertyOrdering)) {
    const order = node.propertyOrdering.filter((r): r is string => typeof r === 'string' && defined.includes(r))
    if (order.length) out.propertyOrdering = order
  }

  // anyOf / oneOf: null members make it nullable; a single remaining member is merged in.
  const variants = Array.isArray(node.anyOf) ? node.anyOf : Array.isArray(node.oneOf) ? node.oneOf : undefined
  if (variants) {
    const kept = variants.filter((v) => !(isObj(v) && v.type === 'null'))
    if (kept.length < variants.length) nullable = true
    const converted = kept.map((v) => convert(v, next))
    if (converted.length === 1) {
      for (const [key, value] of Object.entries(converted[0]!)) if (!(key in out)) out[key] = value
    } else if (converted.length > 1) out.anyOf = converted
  }

  if (hints.length) out.description = [out.description, ...hints].filter(Boolean).join(' ')
  if (nullable) out.nullable = true
  return out
}

/** The JSON type all the values share (integer when every number is whole), if they share one. */
function sharedType(values: unknown[]): string | undefined {
  if (values.every((v) => typeof v === 'number')) return values.every((v) => Number.isInteger(v)) ? 'integer' : 'number'
  if (values.every((v) => typeof v === 'boolean')) return 'boolean'
  return undefined
}

/** A `#/…` JSON pointer into the root schema; undefined for anything else. */
function resolveRef(root: unknown, ref: string): Json | undefined {
  if (ref === '#') return isObj(root) ? root : undefined
  if (!ref.startsWith('#/')) return undefined
  let at: unknown = root
  for (const raw of ref.slice(2).split('/')) {
    const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~')
    if (!isObj(at) || !Object.hasOwn(at, key)) return undefined
    at = at[key]
  }
  return isObj(at) ? at : undefined
}

function inlineRef(part: unknown, ctx: Ctx): Json {
  if (!isObj(part)) return {}
  if (typeof part.$ref !== 'string' || ctx.refs.includes(part.$ref)) return part
  const { $ref, ...rest } = part as Json & { $ref: string }
  const target = resolveRef(ctx.root, $ref)
  return target ? { ...target, ...rest } : rest
}

/** allOf parts merged: properties and required are united; for other keywords the first one wins. */
function mergeSchemas(a: Json, b: Json): Json {
  const out: Json = { ...b, ...a }
  if (isObj(a.properties) || isObj(b.properties))
    out.properties = { ...(isObj(b.properties) ? b.properties : {}), ...(isObj(a.properties) ? a.properties : {}) }
  const required = [
    ...(Array.isArray(a.required) ? a.required : []),
    ...(Array.isArray(b.required) ? b.required : []),
  ]
  if (required.length) out.required = [...new Set(required)]
  return out
}
