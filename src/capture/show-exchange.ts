import { attemptAnswers, headerOf, overview } from './exchange-overview'
import type { CaptureRecord } from './format'
import type { CapturedExchange } from './read-captures'
import { looksLikeSse, SseText, type TextSseEvent } from './sse-text'

export interface ShowOptions {
  /** Each chunk's offset from the start of the exchange, its size, and the events it completed. */
  timing?: boolean
}

const INDENT = '    '
const strict = new TextDecoder('utf-8', { fatal: true })

/** Bytes as text when they are UTF-8, else undefined. */
export function utf8(bytes: Uint8Array): string | undefined {
  try {
    return strict.decode(bytes)
  } catch {
    return undefined
  }
}

export function base64(bytes: Uint8Array): string {
  let s = ''
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  return btoa(s)
}

const indent = (text: string, by = INDENT) => text.replace(/^/gm, by)

/** A body readable: JSON pretty-printed, other text as it is, other bytes as base64. */
export function renderBody(bytes: Uint8Array): string {
  const text = utf8(bytes)
  if (text === undefined) return `(${bytes.length} bytes, not UTF-8; base64)\n${base64(bytes)}`
  const trimmed = text.trim()
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      return JSON.stringify(JSON.parse(trimmed), null, 2)
    } catch {
      // not JSON after all
    }
  }
  return text
}

/** One event on one line: `[name] data`, the data re-serialized compactly when it is JSON. */
function renderEvent(e: TextSseEvent): string {
  let data = e.data
  try {
    data = JSON.stringify(JSON.parse(e.data))
  } catch {
    // [DONE] and other text
  }
  return `${e.event ? `[${e.event}] ` : ''}${data}`
}

const ms = (n: number) => `${Math.round(n * 10) / 10} ms`

function renderHeaders(meta: Record<string, unknown>): string[] {
  const headers = meta.headers
  if (!headers || typeof headers !== 'object') return []
  return Object.entries(headers as Record<string, unknown>).map(([k, v]) => `${INDENT}${k}: ${Array.isArray(v) ? v.join(', ') : String(v)}`)
}

/**
 * The body or chunks of one leg: a whole body pretty-printed; chunks joined, and shown as the server-sent
 * events they carry when they are a stream of events (with `timing`, each chunk's offset, size and events).
 */
function renderParts(parts: CaptureRecord[], contentType: string, start: number, opts: ShowOptions): string[] {
  const out: string[] = []
  const bytes = parts.filter((p) => p.data).map((p) => p.data!)
  const size = bytes.reduce((n, b) => n + b.length, 0)
  const chunks = parts.filter((p) => p.kind === 'chunk')
  if (!parts.length) return out
  const joined = new Uint8Array(size)
  let at = 0
  for (const b of bytes) {
    joined.set(b, at)
    at += b.length
  }
  const cut = parts.filter((p) => p.meta.truncated)
  if (cut.length) out.push(`(cut by CAPTURE_MAX_EXCHANGE_BYTES: ${cut.length} record${cut.length === 1 ? '' : 's'} kept only in part)`)
  const text = utf8(joined)
  const sse = text !== undefined && (contentType.includes('event-stream') || looksLikeSse(text))
  if (!chunks.length || !sse) {
    out.push(`${chunks.length ? `body in ${chunks.length} chunks, ` : 'body: '}${size} bytes`)
    if (opts.timing && chunks.length) for (const [i, c] of chunks.entries()) out.push(`${INDENT}chunk ${i + 1} +${ms(c.ts - start)}, ${c.data?.length ?? 0} bytes`)
    if (size) out.push(indent(renderBody(joined)))
    return out
  }
  out.push(`stream: ${chunks.length} chunk${chunks.length === 1 ? '' : 's'}, ${size} bytes, server-sent events:`)
  const parser = new SseText()
  const decoder = new TextDecoder()
  for (const [i, c] of parts.entries()) {
    const events = parser.push(decoder.decode(c.data ?? new Uint8Array(0), { stream: true }))
    if (opts.timing) out.push(`${INDENT}chunk ${i + 1} +${ms(c.ts - start)}, ${c.data?.length ?? 0} bytes`)
    for (const e of events) out.push(`${INDENT}${opts.timing ? '  ' : ''}${renderEvent(e)}`)
  }
  for (const e of parser.end()) out.push(`${INDENT}${opts.timing ? '  ' : ''}${renderEvent(e)}`)
  return out
}

/** `end`, or `error: message`. */
function renderLast(r: CaptureRecord | undefined, start: number): string[] {
  if (!r) return ['(no end recorded)']
  const message = typeof r.meta.message === 'string' ? r.meta.message : undefined
  const notes: string[] = []
  if (r.meta.cancelled === true) notes.push(r.leg === 'client-response' ? 'the client went away' : 'cancelled: the gateway let the upstream go')
  const dropped = r.meta.dropped as { chunks?: unknown; bytes?: unknown } | undefined
  if (dropped && typeof dropped === 'object') notes.push(`${String(dropped.chunks ?? '?')} more chunks (${String(dropped.bytes ?? '?')} bytes) not kept`)
  const note = notes.length ? ` (${notes.join('; ')})` : ''
  return [r.kind === 'error' ? `error +${ms(r.ts - start)}: ${message ?? JSON.stringify(r.meta)}${note}` : `end +${ms(r.ts - start)}${note}`]
}

const field = (label: string, v: unknown) => (v === undefined || v === null || v === '' ? [] : [`${label} ${typeof v === 'string' || typeof v === 'number' ? v : JSON.stringify(v)}`])

/** The whole exchange, readable: its summary line, then the four legs (the upstream ones per attempt). */
export function showExchange(ex: CapturedExchange, opts: ShowOptions = {}): string {
  const o = overview(ex)
  const start = ex.at
  const lines: string[] = []
  const section = (title: string, r: CaptureRecord | undefined) => lines.push('', `== ${title}${r ? `  +${ms(r.ts - start)}` : ''}`)
  lines.push(`exchange ${ex.id}  ${new Date(ex.at).toISOString()}  (${ex.files.join(', ')})`)
  lines.push(
    [
      ...field('session', o.session),
      ...field('client', o.client),
      o.route,
      ...field('status', o.status),
      `tokens ${o.inputTokens ?? '?'} in / ${o.outputTokens ?? '?'} out`,
      o.stream ? 'stream' : 'not streamed',
      `${o.attempts} attempt${o.attempts === 1 ? '' : 's'}`,
      ...field('total', o.totalMs === undefined ? undefined : ms(o.totalMs)),
      ...field('ttfb', o.ttfbMs === undefined ? undefined : ms(o.ttfbMs)),
    ].join(' · '),
  )

  const of = (leg: CaptureRecord['leg']) => ex.records.filter((r) => r.leg === leg)
  // The client's request.
  const clientRequest = of('client-request')
  const crHead = clientRequest.find((r) => r.kind === 'head')
  section('client-request', clientRequest[0])
  if (crHead) lines.push(`${String(crHead.meta.method ?? '?')} ${String(crHead.meta.path ?? '?')}`, ...renderHeaders(crHead.meta))
  lines.push(...renderParts(clientRequest.filter((r) => r.kind === 'body' || r.kind === 'chunk'), headerOf(crHead?.meta ?? {}, 'content-type') ?? '', start, opts))
  if (!clientRequest.length) lines.push('(not captured)')

  // Each attempt: what went upstream and what came back.
  for (const a of attemptAnswers(ex)) {
    const head = a.request.find((r) => r.kind === 'head')
    section(`upstream-request, attempt ${a.attempt}`, a.request[0])
    if (head) {
      const m = head.meta
      lines.push(`${String(m.method ?? 'POST')} ${String(m.url ?? '?')}`)
      const about = [...field('route', m.route), ...field('backend', m.backend), ...field('model', m.model), ...field('key', m.key)]
      if (about.length) lines.push(about.join(' · '))
      lines.push(...renderHeaders(m))
    }
    lines.push(...renderParts(a.request.filter((r) => r.kind === 'body' || r.kind === 'chunk'), headerOf(head?.meta ?? {}, 'content-type') ?? '', start, opts))
    if (!a.request.length) lines.push('(not captured)')
    section(`upstream-response, attempt ${a.attempt}`, a.head ?? a.last)
    if (a.head) lines.push(`status ${String(a.head.meta.status ?? '?')}`, ...renderHeaders(a.head.meta))
    lines.push(...renderParts(a.parts, headerOf(a.head?.meta ?? {}, 'content-type') ?? '', start, opts), ...renderLast(a.last, start))
  }

  // What the client got.
  const clientResponse = of('client-response')
  const head = clientResponse.find((r) => r.kind === 'head')
  section('client-response', clientResponse[0])
  if (head) lines.push(`status ${String(head.meta.status ?? '?')}`, ...renderHeaders(head.meta))
  if (clientResponse.length) {
    lines.push(...renderParts(clientResponse.filter((r) => r.kind === 'body' || r.kind === 'chunk'), headerOf(head?.meta ?? {}, 'content-type') ?? '', start, opts))
    lines.push(...renderLast(clientResponse.find((r) => r.kind === 'end' || r.kind === 'error'), start))
  } else lines.push('(not captured)')

  const summary = ex.records.find((r) => r.leg === 'exchange' && r.kind === 'summary')
  section('summary', summary)
  if (summary) for (const [k, v] of Object.entries(summary.meta)) lines.push(`${INDENT}${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
  else lines.push('(not captured: the capture may have been cut short)')
  return `${lines.join('\n')}\n`
}
