/**
 * Summarises a V8 .cpuprofile: self time per function, and per category (the
 * library or part of the gateway a frame belongs to), both as self time and as
 * "on the stack" (inclusive) time.
 */
interface CallFrame {
  functionName: string
  url: string
  lineNumber: number
}
interface ProfileNode {
  id: number
  callFrame: CallFrame
  children?: number[]
  /** Self samples per source line (1-based). */
  positionTicks?: Array<{ line: number; ticks: number }>
}

/** Source lines of a script by its profile url, when they can be read (to see which lines are JSON calls). */
export type SourceLines = (url: string) => string[] | undefined
const JSON_CALL = /JSON\.(parse|stringify)\(/
export interface CpuProfile {
  nodes: ProfileNode[]
  startTime: number
  endTime: number
  samples: number[]
  timeDeltas: number[]
}

/** For bundled code: where each module starts in the bundle (url → [0-based line, module path] in order). */
export type ModuleMap = Map<string, Array<[number, string]>>

/** esbuild marks each module of a (non-minified) bundle with a `// path/to/file.ts` comment line. */
export function bundleModules(source: string): Array<[number, string]> {
  const out: Array<[number, string]> = []
  source.split('\n').forEach((line, i) => {
    const m = /^\/\/ ((?:src|adapters|bench|node_modules)\/\S+\.[cm]?[jt]s)$/.exec(line)
    if (m) out.push([i, m[1]!])
  })
  return out
}

/** The source module a frame of a bundle comes from. */
function moduleOf(f: CallFrame, modules?: ModuleMap): string | undefined {
  const starts = modules?.get(f.url)
  if (!starts?.length) return undefined
  let found: string | undefined
  for (const [line, mod] of starts) {
    if (line > f.lineNumber) break
    found = mod
  }
  return found
}

const SOCKET_FNS = new Set(['writev', 'writeUtf8String', 'writeLatin1String', 'writeAsciiString', 'writeUcs2String', 'writeBuffer', 'shutdown', 'readStart', 'readStop'])
const JSON_FNS = new Set(['parse', 'stringify', 'JSONParse', 'JSONStringify', 'JsonParse', 'JsonStringify'])

/** Which bucket a frame belongs to. */
export function category(f: CallFrame, modules?: ModuleMap): string {
  const mod = moduleOf(f, modules)
  const url = mod ? `/${mod}` : f.url
  const fn = f.functionName
  if (!url) {
    if (fn === '(idle)') return 'idle'
    if (fn === '(garbage collector)') return 'GC'
    if (fn === '(program)') return 'V8/native (program)'
    if (fn === '(root)') return 'root'
    if (JSON_FNS.has(fn)) return 'JSON parse/stringify'
    if (SOCKET_FNS.has(fn)) return 'socket writes (native)'
    return 'V8 builtins (native)'
  }
  // esbuild's keepNames helper (tsx and wrangler both keep names): one defineProperty per function created.
  if (fn === '__name') return 'esbuild __name (keepNames)'
  if (url.includes('node:internal/source_map') || (url === 'node:internal/errors' && /StackTrace/.test(fn))) return 'Error stack traces'
  if (url.includes('/node_modules/zod/')) return 'zod'
  if (url.includes('eventsource-parser')) return 'eventsource-parser (SSE parsing)'
  if (url.includes('/node_modules/@hono/node-server/')) return '@hono/node-server'
  if (url.includes('/node_modules/hono/')) return 'hono'
  if (url.includes('/node_modules/jsonrepair/')) return 'jsonrepair'
  if (url.includes('/node_modules/tsx/') || url.includes('esbuild')) return 'tsx loader'
  if (url.includes('node:internal/deps/undici')) return 'fetch/Request/Response/Headers (node)'
  if (url.includes('/node_modules/undici/') || url.startsWith('wasm://')) return 'undici (npm)' // its HTTP parser is llhttp in wasm
  // Node 20 makes every web stream transferable at construction (js_transferable): part of the stream cost.
  if (url.includes('node:internal/webstreams') || url.includes('node:internal/worker/js_transferable')) return 'web streams (node)'
  if (url.includes('node:internal/abort_controller') || url.includes('node:internal/event_target') || url === 'node:events')
    return 'AbortSignal/events (node)'
  if (url.includes('node:internal/encoding') || url.includes('node:internal/util/types')) return 'text encoding (node)'
  if (/node:(_http|http|net|stream|internal\/(streams|stream_base|http|net|timers|async_hooks|process\/task_queues|dns))/.test(url))
    return 'node http/net/streams/timers'
  if (url.startsWith('node:')) return 'node (other internals)'
  const src = /\/(src|adapters)\/((?:[^/]+\/)?)/.exec(url)
  if (src && !url.includes('/node_modules/')) return `gateway ${src[1]}/${src[1] === 'src' ? src[2]! : ''}`.replace(/\/$/, '')
  return 'other'
}

export interface Summary {
  totalMs: number
  busyMs: number
  windowed: boolean
  self: Array<{ name: string; where: string; cat: string; ms: number }>
  categories: Array<{ cat: string; selfMs: number; onStackMs: number }>
}

/** Only samples between `fromUs` and `toUs` (CLOCK_MONOTONIC µs, the profile's clock) count, when given. */
/**
 * V8 books the time spent inside JSON.parse / JSON.stringify as self time of
 * the JavaScript function that calls them. With the source at hand, the share of
 * a function's samples that fall on lines calling JSON is booked to JSON instead.
 */
function jsonShare(node: ProfileNode, sources?: SourceLines): number {
  const ticks = node.positionTicks
  if (!sources || !ticks?.length || !node.callFrame.url) return 0
  const lines = sources(node.callFrame.url)
  if (!lines) return 0
  let total = 0
  let json = 0
  for (const t of ticks) {
    total += t.ticks
    if (JSON_CALL.test(lines[t.line - 1] ?? '')) json += t.ticks
  }
  return total ? json / total : 0
}

export function summarise(p: CpuProfile, fromUs?: number, toUs?: number, modules?: ModuleMap, sources?: SourceLines): Summary {
  const byId = new Map(p.nodes.map((n) => [n.id, n]))
  const parent = new Map<number, number>()
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const selfTicks = new Map<number, number>()
  let t = p.startTime
  const windowed = fromUs !== undefined && toUs !== undefined
  const inWindow: Array<[number, number]> = []
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i] ?? 0
    const dt = p.timeDeltas[i + 1] ?? 0 // time until the next sample is this sample's weight
    if (!windowed || (t >= fromUs! && t <= toUs!)) inWindow.push([p.samples[i]!, dt])
  }
  if (windowed && inWindow.length < 100) return summarise(p, undefined, undefined, modules, sources) // clocks did not line up: use the whole profile
  for (const [id, dt] of inWindow) selfTicks.set(id, (selfTicks.get(id) ?? 0) + dt)

  const totalUs = inWindow.reduce((s, [, dt]) => s + dt, 0)
  const fnSelf = new Map<string, { name: string; where: string; cat: string; us: number }>()
  const catSelf = new Map<string, number>()
  const add = (key: string, name: string, where: string, cat: string, us: number) => {
    catSelf.set(cat, (catSelf.get(cat) ?? 0) + us)
    const e = fnSelf.get(key) ?? { name, where, cat, us: 0 }
    e.us += us
    fnSelf.set(key, e)
  }
  for (const [id, allUs] of selfTicks) {
    const node = byId.get(id)!
    const f = node.callFrame
    const cat = category(f, modules)
    const json = allUs * jsonShare(node, sources)
    const us = allUs - json
    const file = f.url.replace(/^.*\/node_modules\//, '').replace(/^file:\/\/.*?\/(src|adapters|bench)\//, '$1/')
    // Files run through tsx report line 0 for every function; show a line only when there is one.
    const mod = moduleOf(f, modules)
    const where = mod
      ? `${mod} (${file.split('/').pop()}:${f.lineNumber + 1})`
      : f.url
        ? f.lineNumber > 0
          ? `${file}:${f.lineNumber + 1}`
          : file
        : ''
    const name = f.functionName || '(anonymous)'
    add(`${f.functionName}@${where}`, name, where, cat, us)
    if (json > 0) add(`JSON@${f.functionName}@${where}`, `JSON.parse/stringify called by ${name}`, where, 'JSON parse/stringify', json)
  }
  // Inclusive: each category counted once per sample if any frame on the stack belongs to it.
  const catStack = new Map<string, number>()
  const stackCats = new Map<number, Set<string>>()
  const catsOf = (id: number): Set<string> => {
    let s = stackCats.get(id)
    if (s) return s
    const up = parent.get(id)
    s = new Set(up === undefined ? [] : catsOf(up))
    s.add(category(byId.get(id)!.callFrame, modules))
    stackCats.set(id, s)
    return s
  }
  for (const [id, us] of selfTicks) for (const c of catsOf(id)) catStack.set(c, (catStack.get(c) ?? 0) + us)

  const idle = catSelf.get('idle') ?? 0
  return {
    totalMs: totalUs / 1000,
    busyMs: (totalUs - idle) / 1000,
    windowed,
    self: [...fnSelf.values()].sort((a, b) => b.us - a.us).map((e) => ({ name: e.name, where: e.where, cat: e.cat, ms: e.us / 1000 })),
    categories: [...catSelf.keys()]
      .filter((c) => c !== 'root')
      // (JSON time moved from its callers is self time no stack walk sees: on stack is at least self.)
      .map((cat) => ({ cat, selfMs: (catSelf.get(cat) ?? 0) / 1000, onStackMs: Math.max(catSelf.get(cat) ?? 0, catStack.get(cat) ?? 0) / 1000 }))
      .sort((a, b) => b.selfMs - a.selfMs),
  }
}

/** The top-level group a category belongs to, for the one-glance breakdown. */
export function group(cat: string): string {
  if (/socket writes|node http|node \(other/.test(cat)) return 'Node http server/client, sockets, timers'
  if (cat === 'undici (npm)') return 'undici request (upstream transport)'
  if (/fetch\/Request|web streams|AbortSignal|text encoding/.test(cat)) return 'Web APIs: Request/Response/Headers, web streams, AbortSignal, TextEncoder'
  if (/hono/.test(cat)) return 'Hono + @hono/node-server'
  if (/JSON/.test(cat)) return 'JSON.parse / JSON.stringify'
  if (cat === 'zod') return 'zod'
  if (cat === 'gateway src/sse') return 'SSE parsing and framing (src/sse)'
  if (cat.startsWith('gateway')) return 'gateway code (src/, adapters/)'
  if (cat === 'GC') return 'GC'
  return 'V8 builtins, microtasks, other'
}

export function renderSummary(title: string, s: Summary, top = 25): string {
  const pct = (x: number) => `${((100 * x) / s.busyMs).toFixed(1)}%`
  const groups = new Map<string, number>()
  for (const c of s.categories) if (c.cat !== 'idle') groups.set(group(c.cat), (groups.get(group(c.cat)) ?? 0) + c.selfMs)
  return [
    `### ${title}`,
    '',
    `${(s.totalMs / 1000).toFixed(1)} s profiled${s.windowed ? ' (load window only)' : ' (whole process life)'}, ` +
      `busy ${(s.busyMs / 1000).toFixed(1)} s (${((100 * s.busyMs) / s.totalMs).toFixed(0)}% of the core). Percentages are of busy time.`,
    '',
    '| top level (self time) | share |',
    '| --- | ---: |',
    ...[...groups].sort((a, b) => b[1] - a[1]).map(([g, ms]) => `| ${g} | ${pct(ms)} |`),
    '',
    '| category | self | on stack |',
    '| --- | ---: | ---: |',
    ...s.categories.filter((c) => c.cat !== 'idle').map((c) => `| ${c.cat} | ${pct(c.selfMs)} | ${pct(c.onStackMs)} |`),
    '',
    '| function | where | category | self |',
    '| --- | --- | --- | ---: |',
    ...s.self.filter((e) => e.cat !== 'idle').slice(0, top).map((e) => `| ${e.name} | ${e.where} | ${e.cat} | ${pct(e.ms)} |`),
    '',
  ].join('\n')
}
