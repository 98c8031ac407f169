import { decodeCapture, encodeHeader, encodeRecords } from '../../src/capture/codec'
import type { CaptureRecord } from '../../src/capture/format'
import type { CaptureReader, CaptureRef, FoundCapture } from '../../src/capture/reader'
import type { TrafficRow } from '../../src/observe/exchange-feed'

/**
 * A CaptureReader over one in-memory capture "file": records are encoded with the capture codec as the
 * writer would, and read back by decoding the bytes, so the admin page reads what a real reader answers.
 */
export class MemoryCaptures implements CaptureReader {
  private bytes: Uint8Array = encodeHeader('node')
  readonly asked: CaptureRef[] = []

  add(records: CaptureRecord[]): void {
    const more = encodeRecords(records)
    const next = new Uint8Array(this.bytes.length + more.length)
    next.set(this.bytes)
    next.set(more, this.bytes.length)
    this.bytes = next
  }

  async exchange(ref: CaptureRef): Promise<FoundCapture | undefined> {
    this.asked.push(ref)
    const records = decodeCapture(this.bytes).records.filter((r) => r.exchange === ref.exchange)
    return records.length ? { records, source: 'memory.cbor', runtime: 'node' } : undefined
  }
}

const utf8 = (s: string) => new TextEncoder().encode(s)

/** Text in a captured body that would run if the page did not escape it. */
export const HOSTILE = '<img src=x onerror="document.title=\'pwned\'"><script>document.title="pwned"</script>'

/**
 * The four legs of a streamed Chat Completions exchange, as the capture writer records them, for a
 * traffic row: what the page must show (headers, bodies, chunks reassembled), with hostile text in the
 * prompt that must be shown as text.
 */
export function exchangeRecords(row: TrafficRow, answer = 'Hello from openai!'): CaptureRecord[] {
  let seq = 0
  const t = row.at
  const rec = (leg: CaptureRecord['leg'], kind: CaptureRecord['kind'], meta: Record<string, unknown>, data?: string): CaptureRecord => {
    const r: CaptureRecord = { exchange: row.id, seq: seq, ts: t + seq, leg, kind, meta }
    seq++
    if (data !== undefined) r.data = utf8(data)
    return r
  }
  const request = JSON.stringify({ model: `${row.backend}:${row.model}`, stream: true, messages: [{ role: 'user', content: `say hi ${HOSTILE}` }] })
  const pieces = answer.match(/.{1,5}/g) ?? []
  const sse = pieces.map((p) => `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: p } }] })}\n\n`)
  return [
    rec('client-request', 'head', { method: 'POST', path: '/v1/chat/completions', headers: { 'content-type': 'application/json', authorization: '[redacted]' } }),
    rec('client-request', 'body', {}, request),
    rec('upstream-request', 'head', { attempt: 1, method: 'POST', url: 'http://127.0.0.1/v1/chat/completions', headers: { authorization: '[redacted]' }, backend: row.backend, model: row.model, key: '…0002' }),
    rec('upstream-request', 'body', { attempt: 1 }, request),
    rec('upstream-response', 'head', { attempt: 1, status: 200, headers: { 'content-type': 'text/event-stream' } }),
    ...sse.map((s) => rec('upstream-response', 'chunk', { attempt: 1 }, s)),
    rec('upstream-response', 'end', { attempt: 1 }),
    rec('client-response', 'head', { status: 200, headers: { 'content-type': 'text/event-stream' } }),
    ...sse.map((s) => rec('client-response', 'chunk', {}, s)),
    rec('client-response', 'end', {}),
    rec('exchange', 'summary', { client: row.client, frontEnd: row.frontEnd, backend: row.backend, model: row.model, status: row.status, inputTokens: row.inputTokens, outputTokens: row.outputTokens }),
  ]
}
