import type { Backend, ModelEntry, Settings } from '../config/settings'
import { KNOWN_MODELS, type KnownModel } from './known-models'

/** Prices in USD per million tokens, the shape the usage records compute cost from. */
export interface ModelPrices {
  inputPerMTok: number
  outputPerMTok: number
  cachedInputPerMTok?: number
}

/** What the gateway knows of one back end's model; every field may be unknown. */
export interface ModelInfo {
  contextWindow?: number
  maxOutput?: number
  reasoning?: boolean
  prices?: ModelPrices
}

/** One layer's facts, in the table's own field names. */
type Facts = KnownModel

interface Layer {
  exact: Map<string, Facts>
  /** Most specific first (longest literal text). */
  globs: Array<{ re: RegExp; facts: Facts }>
}

interface Table {
  /** Config `models:` entries naming a back end: back end id (or `*`) → its layer. */
  perBackend: Map<string, Layer>
  /** Config `models:` entries with a bare model or glob. */
  bare: Layer
  builtIn: Layer
  contextWindows: Map<string, number>
  /** Answers already worked out, by `backend\nmodel` (bounded: model names come from clients). */
  cache: Map<string, ModelInfo>
}

const CACHE_MAX = 2048
const tables = new WeakMap<Settings, Table>()
const builtIn = layerOf(Object.entries(KNOWN_MODELS))

/**
 * What the model table says of `model` on `backend`, most specific source first:
 * the config file's `models:` entry for `backend:model`, then for the bare model (exact names
 * before `*` globs, the most specific glob first), then `<PROVIDER>_CONTEXT_WINDOW` for the back
 * end's provider, then the built-in table (src/models/known-models.ts). Each field comes from the
 * first source that has it, so an entry with only prices keeps the built-in window.
 *
 * A model is matched as written (case aside), then without a `models/` prefix, a `vendor/` path
 * (`openai/gpt-5`, `accounts/fireworks/models/gpt-oss-120b`), a date or `-latest` suffix
 * (`claude-sonnet-4-5-20250929`, `gpt-4.1-2025-04-14`), and with dots between digits read as
 * dashes for Claude (`claude-sonnet-4.5`, as OpenRouter spells it).
 *
 * Cheap per request: the layers are built once per Settings, globs compiled once, and answers cached.
 */
export function modelInfo(settings: Settings, backend: Backend | string, model: string): ModelInfo {
  const table = tableFor(settings)
  const backendId = typeof backend === 'string' ? backend : backend.id
  const key = `${backendId}\n${model}`
  const hit = table.cache.get(key)
  if (hit) return hit
  const b = typeof backend === 'string' ? settings.backends.get(backend) : backend
  const info = resolve(table, backendId, b, model)
  if (table.cache.size >= CACHE_MAX) table.cache.clear()
  table.cache.set(key, info)
  return info
}

function resolve(table: Table, backendId: string, backend: Backend | undefined, model: string): ModelInfo {
  const names = candidates(model)
  const layers: Array<Facts | undefined> = [
    match(table.perBackend.get(backendId), names),
    match(table.perBackend.get('*'), names),
    match(table.bare, names),
  ]
  const providerWindow = backend ? table.contextWindows.get(backend.provider) : undefined
  if (providerWindow !== undefined) layers.push({ contextWindow: providerWindow })
  layers.push(match(table.builtIn, names))

  const pick = <K extends keyof Facts>(k: K): Facts[K] | undefined => {
    for (const l of layers) if (l && l[k] !== undefined) return l[k]
    return undefined
  }
  const info: ModelInfo = {}
  const contextWindow = pick('contextWindow')
  const maxOutput = pick('maxOutput')
  let reasoning = pick('reasoning')
  // A provider's own rule for its reasoning models (OpenAI's o-series and gpt-5) covers ids the table lacks.
  if (reasoning === undefined && backend?.quirks.reasoningModel) reasoning = backend.quirks.reasoningModel(model)
  if (contextWindow !== undefined) info.contextWindow = contextWindow
  if (maxOutput !== undefined) info.maxOutput = maxOutput
  if (reasoning !== undefined) info.reasoning = reasoning
  const input = pick('input')
  const output = pick('output')
  if (input !== undefined && output !== undefined) {
    const cached = pick('cachedInput')
    info.prices = { inputPerMTok: input, outputPerMTok: output, ...(cached !== undefined ? { cachedInputPerMTok: cached } : {}) }
  }
  return info
}

/** The forms a model name is looked up under, most literal first. */
export function candidates(model: string): string[] {
  const out: string[] = []
  const add = (s: string) => {
    if (s && !out.includes(s)) out.push(s)
  }
  let name = model.trim().toLowerCase()
  if (name.startsWith('models/')) name = name.slice('models/'.length)
  add(name)
  const slash = name.lastIndexOf('/')
  const bare = slash === -1 ? name : name.slice(slash + 1)
  add(bare)
  for (const n of [...out]) {
    const claude = n.startsWith('claude-') ? n.replace(/(\d)\.(\d)/g, '$1-$2') : n
    add(claude)
    add(stripSnapshot(claude))
  }
  return out
}

/** `-2025-04-14`, `-20250929`, `-latest`, and Gemini's `-preview-06-05` / `-001` style suffixes. */
function stripSnapshot(name: string): string {
  return name
    .replace(/-(\d{4}-\d{2}-\d{2}|\d{8}|latest|\d{3})$/, '')
    .replace(/-preview-\d{2}-\d{2}$/, '')
}

function match(layer: Layer | undefined, names: string[]): Facts | undefined {
  if (!layer) return undefined
  for (const n of names) {
    const facts = layer.exact.get(n)
    if (facts) return facts
  }
  for (const g of layer.globs) for (const n of names) if (g.re.test(n)) return g.facts
  return undefined
}

function layerOf(entries: Array<[string, Facts]>): Layer {
  const exact = new Map<string, Facts>()
  const globs: Array<{ re: RegExp; facts: Facts; weight: number }> = []
  for (const [pattern, facts] of entries) {
    const p = pattern.toLowerCase()
    if (!p.includes('*')) exact.set(p, facts)
    else
      globs.push({
        re: new RegExp(`^${p.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`),
        facts,
        weight: p.replace(/\*/g, '').length,
      })
  }
  globs.sort((a, b) => b.weight - a.weight)
  return { exact, globs: globs.map(({ re, facts }) => ({ re, facts })) }
}

function factsOf(e: ModelEntry): Facts {
  const f: Facts = {}
  if (e.context_window !== undefined) f.contextWindow = e.context_window
  if (e.max_output !== undefined) f.maxOutput = e.max_output
  if (e.reasoning !== undefined) f.reasoning = e.reasoning
  if (e.input_price !== undefined) f.input = e.input_price
  if (e.cached_input_price !== undefined) f.cachedInput = e.cached_input_price
  if (e.output_price !== undefined) f.output = e.output_price
  return f
}

function tableFor(settings: Settings): Table {
  let table = tables.get(settings)
  if (table) return table
  const perBackend = new Map<string, Array<[string, Facts]>>()
  const bare: Array<[string, Facts]> = []
  for (const [key, entry] of settings.models.entries) {
    // Split at the first colon, as selectors are: `backend:model`, or `*:model` for every back end
    // (which is also how a bare model with a colon of its own, `*:llama3:8b`, is written).
    const at = key.indexOf(':')
    if (at > 0) {
      const list = perBackend.get(key.slice(0, at)) ?? []
      list.push([key.slice(at + 1), factsOf(entry)])
      perBackend.set(key.slice(0, at), list)
    } else bare.push([key, factsOf(entry)])
  }
  table = {
    perBackend: new Map([...perBackend].map(([id, list]) => [id, layerOf(list)])),
    bare: layerOf(bare),
    builtIn,
    contextWindows: settings.models.contextWindows,
    cache: new Map(),
  }
  tables.set(settings, table)
  return table
}
