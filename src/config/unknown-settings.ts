import { CATALOGUE } from '../providers/catalogue'

/** Read by the adapters and the Worker, not by the settings schema. */
export const ADAPTER_SETTINGS = ['HOST', 'PORT', 'STATE_DIR', 'PROXY_CONFIG']

const ENDPOINT_PREFIX = 'LLM_PROXY_ENDPOINT_'
const ENDPOINT_FIELDS = ['URL', 'KEY', 'MODELS', 'PROVIDER']
/** Our own namespace: anything under it that is not a setting is a mistake. */
const OWN_PREFIX = 'LLM_PROXY_'
/** Provider prefixes (`OPENAI_`, `ZAI_CODING_PLAN_`…), longest first so the most specific wins. */
const PROVIDER_PREFIXES = CATALOGUE.map((p) => p.id.toUpperCase().replace(/-/g, '_') + '_').sort((a, b) => b.length - a.length)
/**
 * Under a provider prefix, only names with one of these words look like a setting
 * (`ANTHROPIC_KEY`, `OPENAI_API_BASE`, `OLLAMA_HOST`); `OPENAI_ORG_ID` or
 * `NVIDIA_VISIBLE_DEVICES` belong to other programs and are left alone.
 * Each word maps to the setting it most likely meant.
 */
const SETTING_WORDS: Array<[RegExp, string]> = [
  [/(^|_)(URL|URI|BASE|HOST|ENDPOINT)(_|$)/, 'BASE_URL'],
  [/(^|_)(KEY|KEYS|TOKEN|SECRET)(_|$)/, 'API_KEY'],
  [/(^|_)MODEL(S)?(_|$)/, 'MODELS'],
  [/(^|_)PROTOCOL(_|$)/, 'PROTOCOL'],
  [/(^|_)VERSION(_|$)/, 'API_VERSION'],
]

export interface UnknownSetting {
  name: string
  /** The real setting it most likely meant. */
  nearest?: string
}

/**
 * The names among `names` that look like one of the gateway's settings but are
 * not one: close to a real name (a typo), under `LLM_PROXY_`, or a provider
 * prefix with a setting-like word. Anything else in a process environment (PATH,
 * HOME, npm_*) is not ours and is ignored. Only names are looked at, never values.
 */
export function findUnknownSettings(names: Iterable<string>, known: ReadonlySet<string>): UnknownSetting[] {
  const out: UnknownSetting[] = []
  for (const name of names) {
    if (known.has(name) || !/^[A-Z][A-Z0-9_]*$/.test(name)) continue
    const hit = classify(name, known)
    if (hit) out.push(hit)
  }
  return out
}

/** Every name in a config file's `settings:` block must be a setting; returns the first that is not. */
export function firstUnknownSetting(names: Iterable<string>, known: ReadonlySet<string>): UnknownSetting | undefined {
  for (const name of names) {
    if (known.has(name) || isEndpointSetting(name)) continue
    return classify(name, known) ?? { name, nearest: nearestOf(name, known, Infinity) }
  }
  return undefined
}

export function describeUnknown(u: UnknownSetting): string {
  return `Unknown setting ${u.name}${u.nearest ? `; did you mean ${u.nearest}?` : ''}`
}

function isEndpointSetting(name: string): boolean {
  if (!name.startsWith(ENDPOINT_PREFIX)) return false
  const rest = name.slice(ENDPOINT_PREFIX.length)
  return ENDPOINT_FIELDS.some((f) => rest.endsWith(`_${f}`) && rest.length > f.length + 1)
}

function classify(name: string, known: ReadonlySet<string>): UnknownSetting | undefined {
  if (name.startsWith(ENDPOINT_PREFIX)) {
    if (isEndpointSetting(name)) return undefined
    const rest = name.slice(ENDPOINT_PREFIX.length)
    const cut = rest.lastIndexOf('_')
    if (cut <= 0) return { name, nearest: `${name}_URL` }
    const field = nearestOf(rest.slice(cut + 1), new Set(ENDPOINT_FIELDS), Infinity)
    return { name, nearest: `${ENDPOINT_PREFIX}${rest.slice(0, cut)}_${field}` }
  }
  const typo = nearestOf(name, known, name.length < 5 ? 0 : name.length < 10 ? 1 : 2)
  if (typo) return { name, nearest: typo }
  if (name.startsWith(OWN_PREFIX)) return { name, nearest: nearestOf(name, new Set([...known].filter((k) => k.startsWith(OWN_PREFIX))), Infinity) }
  const prefix = PROVIDER_PREFIXES.find((p) => name.startsWith(p))
  if (!prefix) return undefined
  const rest = name.slice(prefix.length)
  const word = SETTING_WORDS.find(([re]) => re.test(rest))
  if (!word) return undefined
  const meant = prefix + word[1]
  const own = new Set([...known].filter((k) => k.startsWith(prefix)))
  return { name, nearest: known.has(meant) ? meant : nearestOf(name, own, Infinity) }
}

/** The known name nearest to `name` within `max` edits, if any. */
function nearestOf(name: string, known: ReadonlySet<string>, max: number): string | undefined {
  let best: string | undefined
  let bestDistance = max + 1
  for (const k of known) {
    if (Math.abs(k.length - name.length) >= bestDistance) continue
    const d = editDistance(name, k, bestDistance)
    if (d < bestDistance) {
      best = k
      bestDistance = d
    }
  }
  return best
}

/** Levenshtein distance with adjacent transpositions, giving up (returning `limit`) once past `limit`. */
export function editDistance(a: string, b: string, limit = Infinity): number {
  let prevPrev: number[] = []
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const row = [i]
    let rowMin = i
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let d = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, prevPrev[j - 2]! + 1)
      row.push(d)
      if (d < rowMin) rowMin = d
    }
    if (rowMin >= limit) return limit
    prevPrev = prev
    prev = row
  }
  return prev[b.length]!
}
