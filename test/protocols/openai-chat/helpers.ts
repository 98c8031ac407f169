import type { HubRequest } from '../../../src/hub/request'
import type { HubStreamEvent } from '../../../src/hub/stream'
import { openaiChat } from '../../../src/protocols/openai-chat'
import type { EncodeRequestContext, UpstreamQuirks } from '../../../src/protocols/types'
import type { SseEvent } from '../../../src/sse/parse'
import { parseSseText, runTransform } from '../../helpers/streams'

/** Upstream chunk payloads (objects or raw strings) → SSE events, `[DONE]` appended unless `done: false`. */
export function sse(chunks: Array<object | string>, opts: { done?: boolean } = {}): SseEvent[] {
  const events = chunks.map((c) => ({ data: typeof c === 'string' ? c : JSON.stringify(c) }))
  if (opts.done !== false) events.push({ data: '[DONE]' })
  return events
}

export async function decodeEvents(events: SseEvent[]): Promise<HubStreamEvent[]> {
  return runTransform(events, openaiChat.decodeStream())
}

/** Hub events → the SSE events a Chat Completions client would read. */
export async function encodeEvents(events: HubStreamEvent[], req: HubRequest): Promise<SseEvent[]> {
  const bytes = await runTransform(events, openaiChat.encodeStream(req))
  return parseSseText(new TextDecoder().decode(concat(bytes)))
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0))
  let at = 0
  for (const c of chunks) {
    out.set(c, at)
    at += c.length
  }
  return out
}

/** JSON payloads of encoded chunks, `[DONE]` excluded. */
export function payloads(events: SseEvent[]): any[] {
  return events.filter((e) => e.data !== '[DONE]').map((e) => JSON.parse(e.data))
}

export function hubRequest(over: Partial<HubRequest> = {}): HubRequest {
  return { model: 'gpt-4o', system: [], messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }], stream: false, ...over }
}

export function context(quirks: UpstreamQuirks = {}, model = 'gpt-4o'): EncodeRequestContext & { warnings: string[] } {
  const warnings: string[] = []
  return { model, quirks, warnings, warn: (m) => warnings.push(m) }
}

/** A chunk in the shape OpenAI streams. */
export function chunk(delta: object, finish_reason: string | null = null, extra: object = {}) {
  return {
    id: 'chatcmpl-test',
    object: 'chat.completion.chunk',
    created: 1770000000,
    model: 'gpt-4o-2024-08-06',
    choices: [{ index: 0, delta, logprobs: null, finish_reason }],
    ...extra,
  }
}

export function usageChunk(usage: object) {
  return { id: 'chatcmpl-test', object: 'chat.completion.chunk', created: 1770000000, model: 'gpt-4o-2024-08-06', choices: [], usage }
}
