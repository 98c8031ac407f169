/**
 * A small in-memory metrics registry and its Prometheus text exposition (format 0.0.4):
 * counters, gauges and histograms with fixed label names, each series keyed by its label values.
 * Recording is a Map lookup and an addition (no per-chunk work, nothing allocated once a series
 * exists but its key); rendering happens only when /metrics is read.
 *
 * Written here rather than taken from a library: prom-client is Node-only (it reads process and
 * cluster modules), and the Worker-compatible ones carry more than the ~150 lines this needs.
 *
 * Each family holds at most `maxSeries` label sets: past that, new ones are counted in one series
 * whose labels all read OVERFLOW, so a client sending a new model name per request cannot grow it
 * without bound.
 */

export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'
export const OVERFLOW = '_overflow'
const MAX_SERIES = 1000

type Kind = 'counter' | 'gauge' | 'histogram'

/** A label value in the exposition: backslash, double quote and newline escaped. */
export const escapeLabel = (v: string) => v.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`))
/** HELP text: backslash and newline escaped. */
const escapeHelp = (v: string) => v.replace(/[\\\n]/g, (c) => (c === '\n' ? '\\n' : '\\\\'))

/** A sample value as the format writes it. */
export function formatValue(n: number): string {
  if (Number.isNaN(n)) return 'NaN'
  if (n === Infinity) return '+Inf'
  if (n === -Infinity) return '-Inf'
  return String(n)
}

/** `{a="x",b="y"}` (empty without labels); `extra` is a last label already formatted (`le="0.5"`). */
export function labelText(names: readonly string[], values: readonly string[], extra?: string): string {
  let s = ''
  for (let i = 0; i < names.length; i++) s += `${s ? ',' : ''}${names[i]}="${escapeLabel(values[i] ?? '')}"`
  if (extra) s += `${s ? ',' : ''}${extra}`
  return s ? `{${s}}` : ''
}

/** The HELP and TYPE lines of a family. */
export const header = (name: string, help: string, type: Kind | 'untyped') => `# HELP ${name} ${escapeHelp(help)}\n# TYPE ${name} ${type}\n`

abstract class Family<S> {
  protected readonly series = new Map<string, { values: readonly string[]; s: S }>()
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labels: readonly string[],
    private readonly maxSeries = MAX_SERIES,
  ) {}

  protected abstract fresh(): S
  abstract readonly type: Kind

  /** The series of these label values (made on first use). */
  protected at(values: readonly string[]): S {
    const key = values.length === 1 ? values[0]! : values.join('\u0000')
    const got = this.series.get(key)
    if (got) return got.s
    if (this.series.size >= this.maxSeries && !values.every((v) => v === OVERFLOW)) return this.at(this.labels.map(() => OVERFLOW))
    const s = this.fresh()
    this.series.set(key, { values: [...values], s })
    return s
  }

  protected abstract lines(name: string, values: readonly string[], s: S): string

  render(): string {
    let out = header(this.name, this.help, this.type)
    for (const { values, s } of this.series.values()) out += this.lines(this.name, values, s)
    return out
  }
}

export class Counter extends Family<{ v: number }> {
  readonly type: Kind = 'counter'
  protected fresh() {
    return { v: 0 }
  }
  inc(values: readonly string[] = [], by = 1): void {
    this.at(values).v += by
  }
  /** The value of one series (0 when it was never counted). */
  get(values: readonly string[] = []): number {
    return this.series.get(values.join('\u0000'))?.s.v ?? 0
  }
  /** The sum over every series. */
  total(): number {
    let t = 0
    for (const { s } of this.series.values()) t += s.v
    return t
  }
  protected lines(name: string, values: readonly string[], s: { v: number }) {
    return `${name}${labelText(this.labels, values)} ${formatValue(s.v)}\n`
  }
}

export class Gauge extends Counter {
  override readonly type = 'gauge'
  set(values: readonly string[], v: number): void {
    this.at(values).v = v
  }
}

interface HistogramSeries {
  /** Per bucket (not cumulative); the last one is +Inf. */
  counts: number[]
  sum: number
  count: number
}

export class Histogram extends Family<HistogramSeries> {
  readonly type = 'histogram'
  private readonly les: string[]
  constructor(name: string, help: string, labels: readonly string[], private readonly buckets: readonly number[]) {
    super(name, help, labels)
    this.les = buckets.map((b) => `le="${formatValue(b)}"`)
  }
  protected fresh(): HistogramSeries {
    return { counts: new Array<number>(this.buckets.length + 1).fill(0), sum: 0, count: 0 }
  }
  observe(values: readonly string[], v: number): void {
    const s = this.at(values)
    let i = 0
    while (i < this.buckets.length && v > this.buckets[i]!) i++
    s.counts[i]!++
    s.sum += v
    s.count++
  }
  protected lines(name: string, values: readonly string[], s: HistogramSeries) {
    let out = ''
    let cumulative = 0
    for (let i = 0; i <= this.buckets.length; i++) {
      cumulative += s.counts[i]!
      out += `${name}_bucket${labelText(this.labels, values, i < this.buckets.length ? this.les[i] : 'le="+Inf"')} ${cumulative}\n`
    }
    const l = labelText(this.labels, values)
    return `${out}${name}_sum${l} ${formatValue(s.sum)}\n${name}_count${l} ${s.count}\n`
  }
}

/** The families of one isolate or process, rendered in the order they were made. */
export class MetricsRegistry {
  private readonly families: Array<Family<unknown>> = []

  counter(name: string, help: string, labels: readonly string[] = []): Counter {
    return this.add(new Counter(name, help, labels))
  }
  gauge(name: string, help: string, labels: readonly string[] = []): Gauge {
    return this.add(new Gauge(name, help, labels))
  }
  histogram(name: string, help: string, labels: readonly string[], buckets: readonly number[]): Histogram {
    return this.add(new Histogram(name, help, labels, buckets))
  }

  private add<F extends Family<any>>(f: F): F {
    if (this.families.some((g) => g.name === f.name)) throw new Error(`metric ${f.name} registered twice`)
    this.families.push(f)
    return f
  }

  render(): string {
    let out = ''
    for (const f of this.families) out += f.render()
    return out
  }
}

/** A family computed at scrape time (the ledger's totals): its lines from rows of label values and a value. */
export function renderRows(name: string, help: string, type: 'counter' | 'gauge', labels: readonly string[], rows: Array<[readonly string[], number]>): string {
  let out = header(name, help, type)
  for (const [values, v] of rows) out += `${name}${labelText(labels, values)} ${formatValue(v)}\n`
  return out
}
