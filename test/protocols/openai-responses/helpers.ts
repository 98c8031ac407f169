import type { HubRequest } from '../../../src/hub/request'
import type { HubStreamEvent } from '../../../src/hub/stream'
import { openaiResponses } from '../../../src/protocols/openai-responses'
import type { EncodeRequestContext, UpstreamQuirks } from '../../../src/protocols/types'
import type { SseEvent } from '../../../src/sse/parse'
import { parseSseText, runTransform } from '../../helpers/streams'

/** Recorded event lines → SSE events named like the wire (`event: <type>`). */
export function sse(lines: Array<string | object>): SseEvent[] {
  return lines.map((l) => {
    const data = typeof l === 'string' ? l : JSON.stringify(l)
    let event: string | undefined
    try {
      event = JSON.parse(data).type
    } catch {
      event = undefined
    }
    return event ? { event, data } : { data }
  })
}

/** Some recordings hold several responses back to back: one list of lines per response.created. */
export function splitResponses(lines: string[]): string[][] {
  const out: string[][] = []
  for (const line of lines) {
    let type: string | undefined
    try {
      type = JSON.parse(line).type
    } catch {
      type = undefined
    }
    if (type === 'response.created' || !out.length) out.push([])
    out.at(-1)!.push(line)
  }
  return out
}

export async function decodeEvents(events: SseEvent[]): Promise<HubStreamEvent[]> {
  return runTransform(events, openaiResponses.decodeStream())
}

export function concat(chunks: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0))
  let at = 0
  for (const c of chunks) {
    out.set(c, at)
    at += c.length
  }
  return out
}

/** Hub events → the encoded SSE bytes. */
export async function encodeBytes(events: HubStreamEvent[], req: HubRequest): Promise<Uint8Array<ArrayBuffer>> {
  return concat(await runTransform(events, openaiResponses.encodeStream(req)))
}

/** Hub events → the SSE events a Responses client reads, payloads parsed. */
export async function encodeEvents(events: HubStreamEvent[], req: HubRequest): Promise<Array<{ event?: string; data: any }>> {
  const text = new TextDecoder().decode(await encodeBytes(events, req))
  return parseSseText(text).map((e) => ({ event: e.event, data: JSON.parse(e.data) }))
}

export function hubRequest(over: Partial<HubRequest> = {}): HubRequest {
  return { model: 'gpt-5', system: [], messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }], stream: true, ...over }
}

export function context(quirks: UpstreamQuirks = {}, model = 'gpt-5'): EncodeRequestContext & { warnings: string[] } {
  const warnings: string[] = []
  return { model, quirks, warnings, warn: (m) => warnings.push(m) }
}

/** OpenAI's own reasoning-model rule, as the catalogue has it. */
export const openaiQuirks: UpstreamQuirks = {
  reasoningHistory: 'none',
  reasoningModel: (m) => /^(o\d|gpt-5|codex-)/.test(m) && !/-chat/.test(m),
}
