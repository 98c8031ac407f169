import type { CaptureLeg, CaptureRecord } from '../capture/format'

/** One leg of a captured exchange (one attempt's, for the upstream legs), ready to show. */
export interface LegView {
  leg: CaptureLeg
  attempt?: number
  /** The `head` record's meta (method, path or url, status, headers, route, key hint…). */
  head?: Record<string, unknown>
  /** The body as text: a whole `body`, or the `chunk`s put back together in order. */
  text?: string
  chunks: number
  bytes: number
  /** ms from the exchange's first record to this leg's first and last. */
  from: number
  to: number
  end?: Record<string, unknown>
  error?: string
}

export interface CaptureView {
  exchange: string
  started: number
  legs: LegView[]
  summary?: Record<string, unknown>
}

const ORDER: CaptureLeg[] = ['client-request', 'upstream-request', 'upstream-response', 'client-response']

/** Bytes as text (invalid UTF-8 shown as U+FFFD); JSON pretty-printed when the whole text is JSON. */
export function bodyText(bytes: Uint8Array): string {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes)
  const t = text.trim()
  if ((t.startsWith('{') && t.endsWith('}')) || (t.startsWith('[') && t.endsWith(']'))) {
    try {
      return JSON.stringify(JSON.parse(t), null, 2)
    } catch {
      // not JSON after all
    }
  }
  return text
}

function concat(parts: Uint8Array[]): Uint8Array {
  let size = 0
  for (const p of parts) size += p.length
  const out = new Uint8Array(size)
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

/** An exchange's records (any order) as its four legs, the upstream ones per attempt, and its summary. */
export function captureView(exchange: string, records: CaptureRecord[]): CaptureView {
  const sorted = records.filter((r) => r.exchange === exchange).sort((a, b) => a.seq - b.seq)
  const started = sorted[0]?.ts ?? 0
  const groups = new Map<string, { leg: CaptureLeg; attempt?: number; records: CaptureRecord[] }>()
  let summary: Record<string, unknown> | undefined
  // Upstream records name their attempt in the head; later records of the leg belong to the latest head.
  const currentAttempt = new Map<CaptureLeg, number | undefined>()
  for (const r of sorted) {
    if (r.leg === 'exchange') {
      if (r.kind === 'summary') summary = r.meta
      continue
    }
    const upstream = r.leg === 'upstream-request' || r.leg === 'upstream-response'
    if (upstream && typeof r.meta?.attempt === 'number') currentAttempt.set(r.leg, r.meta.attempt)
    const attempt = upstream ? (typeof r.meta?.attempt === 'number' ? r.meta.attempt : currentAttempt.get(r.leg)) : undefined
    const key = `${r.leg}#${attempt ?? ''}`
    let g = groups.get(key)
    if (!g) groups.set(key, (g = { leg: r.leg, attempt, records: [] }))
    g.records.push(r)
  }
  const legs: LegView[] = [...groups.values()].map((g) => {
    const view: LegView = { leg: g.leg, chunks: 0, bytes: 0, from: g.records[0]!.ts - started, to: g.records.at(-1)!.ts - started }
    if (g.attempt !== undefined) view.attempt = g.attempt
    const parts: Uint8Array[] = []
    for (const r of g.records) {
      if (r.kind === 'head') view.head = r.meta
      else if (r.kind === 'body' && r.data) parts.push(r.data)
      else if (r.kind === 'chunk' && r.data) {
        parts.push(r.data)
        view.chunks++
      } else if (r.kind === 'end') view.end = r.meta
      else if (r.kind === 'error') view.error = typeof r.meta?.message === 'string' ? r.meta.message : JSON.stringify(r.meta)
    }
    if (parts.length) {
      const bytes = concat(parts)
      view.bytes = bytes.length
      view.text = bodyText(bytes)
    }
    return view
  })
  // The four legs in the order they happen; an exchange's attempts in order within each.
  legs.sort((a, b) => ORDER.indexOf(a.leg) - ORDER.indexOf(b.leg) || (a.attempt ?? 0) - (b.attempt ?? 0))
  // Upstream request and response of one attempt side by side: request 1, response 1, request 2, …
  const up = legs.filter((l) => l.leg === 'upstream-request' || l.leg === 'upstream-response')
  up.sort((a, b) => (a.attempt ?? 0) - (b.attempt ?? 0) || ORDER.indexOf(a.leg) - ORDER.indexOf(b.leg))
  const ordered = [...legs.filter((l) => l.leg === 'client-request'), ...up, ...legs.filter((l) => l.leg === 'client-response')]
  const out: CaptureView = { exchange, started, legs: ordered }
  if (summary) out.summary = summary
  return out
}
