/**
 * A strict little parser of the Prometheus text exposition format (0.0.4) for the tests: it throws on
 * any line the format does not allow, on a sample without its family's TYPE, on a family given twice,
 * and on histogram buckets that are not cumulative or do not end with +Inf equal to _count.
 */
export interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}

export interface Family {
  name: string
  help?: string
  type: string
  samples: Sample[]
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/

function parseValue(s: string): number {
  if (s === '+Inf') return Infinity
  if (s === '-Inf') return -Infinity
  if (s === 'NaN') return NaN
  if (!/^-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/.test(s)) throw new Error(`bad value "${s}"`)
  return Number(s)
}

/** `{a="x",b="y\"z"}` from `at` (the `{`): the labels and where they end. */
function parseLabels(line: string, at: number): [Record<string, string>, number] {
  const labels: Record<string, string> = {}
  let i = at + 1
  while (line[i] !== '}') {
    const eq = line.indexOf('=', i)
    if (eq === -1) throw new Error(`bad labels: ${line}`)
    const name = line.slice(i, eq)
    if (!LABEL.test(name)) throw new Error(`bad label name "${name}": ${line}`)
    if (line[eq + 1] !== '"') throw new Error(`label value not quoted: ${line}`)
    let j = eq + 2
    let value = ''
    for (; j < line.length && line[j] !== '"'; j++) {
      if (line[j] === '\\') {
        const n = line[++j]
        if (n === 'n') value += '\n'
        else if (n === '\\' || n === '"') value += n
        else throw new Error(`bad escape \\${n}: ${line}`)
      } else value += line[j]
    }
    if (j >= line.length) throw new Error(`unterminated label value: ${line}`)
    if (name in labels) throw new Error(`label ${name} twice: ${line}`)
    labels[name] = value
    i = j + 1
    if (line[i] === ',') i++
    else if (line[i] !== '}') throw new Error(`bad labels: ${line}`)
  }
  return [labels, i + 1]
}

const SUFFIXES = ['_bucket', '_sum', '_count']

export function parseProm(text: string): Map<string, Family> {
  if (!text.endsWith('\n')) throw new Error('the exposition must end with a newline')
  const families = new Map<string, Family>()
  const helps = new Map<string, string>()
  for (const line of text.slice(0, -1).split('\n')) {
    if (line === '') continue
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line)
      if (!m) {
        if (/^# (HELP|TYPE)/.test(line)) throw new Error(`bad comment line: ${line}`)
        continue
      }
      const [, kind, name, rest] = m
      if (!NAME.test(name!)) throw new Error(`bad metric name ${name}`)
      if (kind === 'HELP') helps.set(name!, rest!.replace(/\\(n|\\)/g, (_, c) => (c === 'n' ? '\n' : '\\')))
      else {
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(rest!)) throw new Error(`bad type ${rest}`)
        if (families.has(name!)) throw new Error(`family ${name} given twice`)
        families.set(name!, { name: name!, help: helps.get(name!), type: rest!, samples: [] })
      }
      continue
    }
    const brace = line.indexOf('{')
    const space = line.indexOf(' ')
    const nameEnd = brace !== -1 && brace < space ? brace : space
    const name = line.slice(0, nameEnd)
    if (!NAME.test(name)) throw new Error(`bad sample name: ${line}`)
    let labels: Record<string, string> = {}
    let rest = nameEnd
    if (line[nameEnd] === '{') [labels, rest] = parseLabels(line, nameEnd)
    const parts = line.slice(rest).trim().split(/\s+/)
    if (parts.length < 1 || parts.length > 2 || parts[0] === '') throw new Error(`bad sample: ${line}`)
    const value = parseValue(parts[0]!)
    const family = families.get(name) ?? families.get(SUFFIXES.reduce((n, s) => (n.endsWith(s) ? n.slice(0, -s.length) : n), name))
    if (!family) throw new Error(`sample before its TYPE line: ${line}`)
    if (family.name !== name && family.type !== 'histogram' && family.type !== 'summary') throw new Error(`sample ${name} does not belong to ${family.name}`)
    family.samples.push({ name, labels, value })
  }
  for (const f of families.values()) if (f.type === 'histogram') checkHistogram(f)
  return families
}

function checkHistogram(f: Family): void {
  const key = (l: Record<string, string>) => JSON.stringify(Object.entries(l).filter(([k]) => k !== 'le').sort())
  const series = new Map<string, Sample[]>()
  for (const s of f.samples) if (s.name.endsWith('_bucket')) series.set(key(s.labels), [...(series.get(key(s.labels)) ?? []), s])
  for (const [k, buckets] of series) {
    let last = -1
    let prevLe = -Infinity
    for (const b of buckets) {
      const le = parseValue(b.labels.le!)
      if (!(le > prevLe)) throw new Error(`${f.name}: buckets out of order`)
      if (b.value < last) throw new Error(`${f.name}: buckets not cumulative`)
      prevLe = le
      last = b.value
    }
    if (prevLe !== Infinity) throw new Error(`${f.name}: no +Inf bucket`)
    const count = f.samples.find((s) => s.name === `${f.name}_count` && key(s.labels) === k)
    if (!count || count.value !== last) throw new Error(`${f.name}: _count differs from the +Inf bucket`)
  }
}

/** The value of one sample of a family whose labels include `labels` (summed when several match). */
export function valueOf(families: Map<string, Family>, name: string, labels: Record<string, string> = {}, family = name): number {
  const f = families.get(family)
  if (!f) throw new Error(`no family ${family}`)
  return f.samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((t, s) => t + s.value, 0)
}
