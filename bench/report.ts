import { median } from './measure'
import type { LoadResult, TtfbResult } from './measure'
import { SCENARIO_NOTES, type Scenario } from './scenarios'
import type { Target, TargetId } from './targets'

/** One target × scenario × round. */
export interface Sample {
  round: number
  target: TargetId
  scenario: string
  load?: LoadResult
  ttfb?: TtfbResult
  /** Highest VmRSS sampled (every 100 ms) while the scenario ran, bytes. */
  peakRss?: number
  /** Share of all cores used by processes other than the bench's during the measured load (0–1). */
  otherCpu?: number
  error?: string
}

/** Memory of one target's process in one round. */
export interface MemorySample {
  round: number
  target: TargetId
  /** Right after start, before any request. */
  idleRss: number
  /** VmHWM when its turn ended. */
  hwm: number
  /** Everything the target started (wrangler + workerd + esbuild), VmRSS at the end of its turn. */
  treeRss: number
}

export interface Settings {
  rounds: number
  duration: number
  warmup: number
  connections: number
  ttfbCount: number
  /** Seconds to wait, before each measurement, for the rest of the machine to go quiet. */
  quietWait: number
  /** A measurement during which other processes used more than this share of the machine is taken again… */
  maxOther: number
  /** …at most this many times. */
  retries: number
  targets: TargetId[]
  scenarios: string[]
}

const ms = (x: number, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : '—')
const mb = (b: number) => (Number.isFinite(b) && b > 0 ? (b / 2 ** 20).toFixed(0) : '—')
const signed = (x: number) => (Number.isFinite(x) ? `${x >= 0 ? '+' : ''}${x.toFixed(2)}` : '—')

function perRound(samples: Sample[], target: TargetId, scenario: string): Map<number, Sample> {
  return new Map(samples.filter((s) => s.target === target && s.scenario === scenario && !s.error).map((s) => [s.round, s]))
}

/** Median over rounds of f(this target's sample, the reference's sample in the same round). */
function pairedMedian(a: Map<number, Sample>, b: Map<number, Sample>, f: (x: Sample, y: Sample) => number): number {
  const xs: number[] = []
  for (const [round, x] of a) {
    const y = b.get(round)
    if (y) xs.push(f(x, y))
  }
  return median(xs)
}

export function scenarioTable(sc: Scenario, targets: Target[], samples: Sample[]): string {
  const head = sc.stream
    ? '| target | req/s | p50 ms | p99 ms | 1-conn p50 ms | TTFB p50 ms | TTFB p99 ms | peak RSS MB | req/s ÷ Hono | p50 vs raw ms | 1-conn p50 vs raw ms | TTFB p50 vs raw ms |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |'
    : '| target | req/s | p50 ms | p99 ms | 1-conn p50 ms | peak RSS MB | req/s ÷ Hono | p50 vs raw ms | 1-conn p50 vs raw ms |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |'
  const hono = perRound(samples, 'hono', sc.id)
  const raw = perRound(samples, 'raw', sc.id)
  const rows = targets.map((t) => {
    const mine = perRound(samples, t.id, sc.id)
    const failed = samples.find((s) => s.target === t.id && s.scenario === sc.id && s.error)
    if (!mine.size) return `| ${t.label} | ${failed ? `failed: ${failed.error!.replace(/\|/g, '/').slice(0, 100)}` : 'not run'} |`
    const list = [...mine.values()]
    const m = (f: (s: Sample) => number | undefined) => median(list.map((s) => f(s) ?? NaN))
    const errs = list.reduce((n, s) => n + (s.load!.errors + s.load!.non2xx), 0)
    const rps = m((s) => s.load!.rps).toFixed(0) + (errs ? ` (⚠ ${errs} errors)` : '')
    const ratio = pairedMedian(mine, hono, (x, y) => x.load!.rps / y.load!.rps)
    const dP50 = pairedMedian(mine, raw, (x, y) => x.load!.p50 - y.load!.p50)
    const cells = [t.label, rps, ms(m((s) => s.load!.p50)), ms(m((s) => s.load!.p99)), ms(m((s) => s.ttfb?.wholeP50))]
    if (sc.stream) cells.push(ms(m((s) => s.ttfb?.p50)), ms(m((s) => s.ttfb?.p99)))
    cells.push(mb(m((s) => s.peakRss)), Number.isFinite(ratio) ? ratio.toFixed(2) : '—', signed(dP50))
    cells.push(signed(pairedMedian(mine, raw, (x, y) => (x.ttfb?.wholeP50 ?? NaN) - (y.ttfb?.wholeP50 ?? NaN))))
    if (sc.stream) cells.push(signed(pairedMedian(mine, raw, (x, y) => (x.ttfb?.p50 ?? NaN) - (y.ttfb?.p50 ?? NaN))))
    return `| ${cells.join(' | ')} |`
  })
  return [`### ${sc.id}: ${sc.title}`, '', head, ...rows].join('\n')
}

/**
 * The issue's targets, for the gateway on the Node adapter: throughput ÷ Hono
 * (1.5× pass-through, 1.2× translation), and at most +0.5 ms over the raw
 * forwarder for a whole response on one connection and for a stream's first byte.
 */
export function targetsTable(scenarios: Scenario[], samples: Sample[]): string {
  const check = (ok: boolean) => (ok ? '✓' : '✗')
  const rows = scenarios.map((sc) => {
    const gw = perRound(samples, 'node', sc.id)
    const hono = perRound(samples, 'hono', sc.id)
    const raw = perRound(samples, 'raw', sc.id)
    const want = sc.id.startsWith('oai-oai') ? 1.5 : 1.2
    const ratio = pairedMedian(gw, hono, (x, y) => x.load!.rps / y.load!.rps)
    const one = pairedMedian(gw, raw, (x, y) => (x.ttfb?.wholeP50 ?? NaN) - (y.ttfb?.wholeP50 ?? NaN))
    const first = sc.stream ? pairedMedian(gw, raw, (x, y) => (x.ttfb?.p50 ?? NaN) - (y.ttfb?.p50 ?? NaN)) : NaN
    const cell = (x: number, text: string, ok: boolean) => (Number.isFinite(x) ? `${text} ${check(ok)}` : '—')
    return (
      `| ${sc.id} | ${cell(ratio, `${ratio.toFixed(2)}× (≥ ${want}×)`, ratio >= want)} | ` +
      `${cell(one, `${signed(one)} ms`, one <= 0.5)} | ${sc.stream ? cell(first, `${signed(first)} ms`, first <= 0.5) : '—'} |`
    )
  })
  return [
    '| scenario | gateway req/s ÷ Hono | 1-conn p50 over raw (≤ +0.5) | TTFB p50 over raw (≤ +0.5) |',
    '| --- | ---: | ---: | ---: |',
    ...rows,
  ].join('\n')
}

/** The working tree's gateway against the `--baseline` commit's, per scenario (paired per round). */
export function baselineTable(scenarios: Scenario[], samples: Sample[]): string {
  const rows = scenarios.map((sc) => {
    const gw = perRound(samples, 'node', sc.id)
    const base = perRound(samples, 'base', sc.id)
    const ratio = pairedMedian(gw, base, (x, y) => x.load!.rps / y.load!.rps)
    const one = pairedMedian(gw, base, (x, y) => (x.ttfb?.wholeP50 ?? NaN) - (y.ttfb?.wholeP50 ?? NaN))
    const first = sc.stream ? pairedMedian(gw, base, (x, y) => (x.ttfb?.p50 ?? NaN) - (y.ttfb?.p50 ?? NaN)) : NaN
    const pct = Number.isFinite(ratio) ? `${ratio >= 1 ? '+' : ''}${(100 * (ratio - 1)).toFixed(1)}%` : '—'
    return `| ${sc.id} | ${pct} | ${signed(one)} ms | ${sc.stream ? `${signed(first)} ms` : '—'} |`
  })
  return [
    '| scenario | req/s change | 1-conn p50 change | TTFB p50 change |',
    '| --- | ---: | ---: | ---: |',
    ...rows,
  ].join('\n')
}

function memoryTable(targets: Target[], memory: MemorySample[]): string {
  const rows = targets
    .filter((t) => t.id !== 'direct')
    .map((t) => {
      const mine = memory.filter((s) => s.target === t.id)
      if (!mine.length) return `| ${t.label} | — | — | — |`
      const m = (f: (s: MemorySample) => number) => mb(median(mine.map(f)))
      return `| ${t.label} | ${m((s) => s.idleRss)} | ${m((s) => s.hwm)} | ${m((s) => s.treeRss)} |`
    })
  return [
    '| target | idle RSS MB (after start) | VmHWM MB (end of its turn) | whole process tree RSS MB |',
    '| --- | ---: | ---: | ---: |',
    ...rows,
  ].join('\n')
}

/** How busy the rest of the machine was: the figures are only as good as the machine was quiet. */
function otherLoad(samples: Sample[]): string {
  const xs = samples.filter((s) => s.otherCpu !== undefined)
  if (!xs.length) return ''
  const worst = [...xs].sort((a, b) => b.otherCpu! - a.otherCpu!)[0]!
  const pct = (x: number) => `${(100 * x).toFixed(0)}%`
  return (
    `Other processes on the machine used a median ${pct(median(xs.map((s) => s.otherCpu!)))} of all cores during the measurements ` +
    `(most: ${pct(worst.otherCpu!)}, round ${worst.round + 1}, ${worst.target} × ${worst.scenario}).`
  )
}

export interface Machine {
  date: string
  cpu: string
  cores: number
  memGb: number
  node: string
  revision: string
  versions: Record<string, string>
}

export function renderReport(o: {
  machine: Machine
  settings: Settings
  targets: Target[]
  scenarios: Scenario[]
  samples: Sample[]
  memory: MemorySample[]
  seconds: number
}): string {
  const { machine, settings } = o
  return [
    '# Gateway benchmark',
    '',
    `${machine.date} · commit ${machine.revision} · ${machine.cpu}, ${machine.cores} cores, ${machine.memGb} GB · Node ${machine.node} · ` +
      Object.entries(machine.versions).map(([k, v]) => `${k} ${v}`).join(', '),
    '',
    `Settings: ${settings.rounds} round(s), run order alternating per round; per target × scenario a ${settings.warmup} s warm-up, ` +
      `then ${settings.duration} s of autocannon with ${settings.connections} connections; ` +
      `One-connection latency and TTFB from ${settings.ttfbCount} sequential requests on one keep-alive connection, unloaded. ` +
      `Load generator and fake upstream pinned to core 0, the proxy under test to core 1 (taskset). ` +
      `Before each measurement the bench waits up to ${settings.quietWait} s for other processes to go below 10% CPU, ` +
      `and measures again (up to ${settings.retries} times) when they took more than ${Math.round(100 * settings.maxOther)}% of the machine meanwhile. ` +
      `Every figure is the median over rounds; ratios and differences are taken per round against Hono / raw in the same round, then the median. ` +
      `Total time ${Math.round(o.seconds)} s.`,
    '',
    otherLoad(o.samples),
    '',
    '### Targets (gateway on the Node adapter)',
    '',
    targetsTable(o.scenarios, o.samples),
    '',
    ...(o.targets.some((t) => t.id === 'base')
      ? [`### Against the baseline (${o.targets.find((t) => t.id === 'base')!.label})`, '', baselineTable(o.scenarios, o.samples), '']
      : []),
    'Columns: **req/s** completed 2xx responses per second; **p50/p99** latency of whole responses under that load (ms); ' +
      '**1-conn p50** latency of a whole response, unloaded, one connection (ms); ' +
      '**TTFB** time to the first body byte, unloaded, one connection (ms); **peak RSS** highest resident memory of the proxy process ' +
      '(workerd for wrangler dev) sampled during the scenario; **req/s ÷ Hono** throughput relative to the bare Hono forwarder; ' +
      '**vs raw** added latency over the raw node:http forwarder (ms).',
    '',
    ...o.scenarios.flatMap((sc) => [scenarioTable(sc, o.targets, o.samples), '']),
    '### Memory per target',
    '',
    memoryTable(o.targets, o.memory),
    '',
    '### What each target gets',
    '',
    ...SCENARIO_NOTES,
    '- Node processes (raw, Hono, gateway) run as esbuild bundles under plain node, as `npm run start:node` runs the gateway; RSS is the node process alone. ' +
      'wrangler dev is a dev stack (wrangler on Node + workerd); its RSS column is the workerd process, the tree column includes wrangler itself.',
    '',
  ].join('\n')
}
