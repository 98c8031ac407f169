import type { HubRequest } from '../../../src/hub/request'
import type { HubStreamEvent } from '../../../src/hub/stream'
import { gemini } from '../../../src/protocols/gemini'
import type { EncodeRequestContext } from '../../../src/protocols/types'
import type { SseEvent } from '../../../src/sse/parse'
import { collect, parseSseText, runTransform, streamOf } from '../../helpers/streams'

export const hubReq = (over: Partial<HubRequest> = {}): HubRequest => ({
  model: 'gemini-test',
  system: [],
  messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
  stream: false,
  ...over,
})

export function ctx(model = 'gemini-2.5-flash'): EncodeRequestContext & { warnings: string[] } {
  const warnings: string[] = []
  return { model, quirks: {}, warn: (m) => warnings.push(m), warnings }
}

/** Recorded `data:` payload lines as SSE events. */
export const sse = (lines: string[]): SseEvent[] => lines.map((data) => ({ data }))

export async function decodeLines(lines: string[]): Promise<HubStreamEvent[]> {
  return runTransform(sse(lines), gemini.decodeStream())
}

export function bytesToText(chunks: Uint8Array[]): string {
  return new TextDecoder().decode(Buffer.concat(chunks.map((c) => Buffer.from(c))))
}

/** Hub events through a client-side encoder; the SSE frames it wrote. */
export async function encodeWith(
  encode: (req: HubRequest) => TransformStream<HubStreamEvent, Uint8Array>,
  events: HubStreamEvent[],
  req: HubRequest = hubReq({ stream: true }),
): Promise<SseEvent[]> {
  return parseSseText(bytesToText(await collect(streamOf(events).pipeThrough(encode(req)))))
}

/** Everything a Gemini client would take from a stream of GenerateContentResponse chunks. */
export interface GeminiStreamSummary {
  text: string
  thoughts: string
  signatures: string[]
  calls: Array<{ name: string; args: unknown; id?: string; thoughtSignature?: string }>
  finishReason?: string
  usage?: Record<string, number>
  responseId?: string
  modelVersion?: string
}

export function summarize(payloads: any[]): GeminiStreamSummary {
  const out: GeminiStreamSummary = { text: '', thoughts: '', signatures: [], calls: [] }
  for (const p of payloads) {
    if (p.responseId) out.responseId = p.responseId
    if (p.modelVersion) out.modelVersion = p.modelVersion
    const c = p.candidates?.[0]
    for (const part of c?.content?.parts ?? []) {
      if (part.thoughtSignature) out.signatures.push(part.thoughtSignature)
      if (part.functionCall) {
        const call: GeminiStreamSummary['calls'][number] = { name: part.functionCall.name, args: part.functionCall.args ?? {} }
        if (part.functionCall.id) call.id = part.functionCall.id
        if (part.thoughtSignature) call.thoughtSignature = part.thoughtSignature
        out.calls.push(call)
      } else if (part.thought) out.thoughts += part.text ?? ''
      else if (typeof part.text === 'string') out.text += part.text
    }
    if (c?.finishReason) out.finishReason = c.finishReason
    if (p.usageMetadata) out.usage = p.usageMetadata
  }
  return out
}

/** The token counts of a usageMetadata, without Gemini's per-modality details. */
export function counts(u: Record<string, unknown> | undefined) {
  const pick = (k: string) => (typeof u?.[k] === 'number' ? (u[k] as number) : 0)
  return {
    prompt: pick('promptTokenCount'),
    candidates: pick('candidatesTokenCount'),
    thoughts: pick('thoughtsTokenCount'),
    total: pick('totalTokenCount'),
  }
}
