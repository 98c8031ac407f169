import { GatewayError } from '../../hub/errors'
import { newId } from '../../hub/ids'
import type { Usage } from '../../hub/response'
import { packCallId, unwrapSignature } from '../../hub/signature-envelope'
import type { HubStreamEvent } from '../../hub/stream'
import type { SseEvent } from '../../sse/parse'
import { FORMAT, isObj } from './decode-parts'
import { firstCandidate } from './decode-response'
import { errorFromPayload } from './errors'
import { finishReasonFromGemini } from './map-finish-reason'
import { usageFromGemini, type GeminiUsage } from './usage'
import { toTransformStream, type Emit, type Stage } from '../../streams/stage'

export const STREAM_ENDED_EARLY = 'The upstream stream ended before the response was complete.'

type Json = Record<string, unknown>

/** A function call whose arguments arrive piece by piece (Vertex `streamFunctionCallArguments`). */
interface StreamingCall {
  index: number
  name: string
  args: Json
  /** The jsonPath whose string value continues in the next piece. */
  continuing?: string
}

/**
 * Gemini `alt=sse` chunks (each a GenerateContentResponse) → hub stream events.
 *
 * - The first chunk → start (responseId, modelVersion).
 * - Text parts → text_delta; `thought: true` parts → thinking_delta (format
 *   google-gemini-v1). A thoughtSignature on a text part follows as a
 *   thinking_delta with only the signature.
 * - Gemini sends a function call whole in one part: tool_call_start (id:
 *   Gemini's or a fresh `call_…`, with the thoughtSignature packed in, and
 *   `signature`), one tool_call_delta with all the arguments, tool_call_end.
 *   Calls streamed in pieces (Vertex partialArgs / willContinue) are put
 *   together and their arguments sent when the call is complete.
 * - usageMetadata → usage (when it changed); finishReason is remembered.
 * - Gemini has no end marker: when the input ends, finish (STOP with calls →
 *   tool_calls) if a finishReason (or a prompt block) was seen, else an error.
 * - A chunk `{error: …}` → error. Nothing is emitted after finish or error.
 * Parts the hub cannot stream (inline media, executableCode …) are skipped.
 * `unwrap` takes each parsed chunk out of an envelope first (Code Assist's
 * `{response, traceId}`, see src/protocols/gemini-code-assist/), so the JSON is parsed once.
 */
export function streamDecoder(unwrap?: (chunk: unknown) => unknown): Stage<SseEvent, HubStreamEvent> {
  let phase: 'idle' | 'open' | 'done' = 'idle'
  let finishReason: string | undefined
  let blocked = false
  let sawContent = false
  let usage: Usage | undefined
  let usageKey = ''
  let toolCount = 0
  let streaming: StreamingCall | undefined

  return {
    transform(event, controller) {
      if (phase === 'done') return
      const emit = (e: HubStreamEvent) => controller.enqueue(e)
      const fail = (message: string) => {
        emit({ type: 'error', error: new GatewayError('bad_gateway', message, { upstream: true }) })
        phase = 'done'
      }
      const closeStreaming = () => {
        if (!streaming) return
        emit({ type: 'tool_call_delta', index: streaming.index, argumentsDelta: JSON.stringify(streaming.args) })
        emit({ type: 'tool_call_end', index: streaming.index })
        streaming = undefined
      }

      const onCall = (fc: Json, signature: string | undefined) => {
        const name = typeof fc.name === 'string' && fc.name !== '' ? fc.name : undefined
        const partial = Array.isArray(fc.partialArgs) ? fc.partialArgs : undefined
        const more = fc.willContinue === true
        if (streaming && (name === undefined || (name === streaming.name && partial && !isObj(fc.args)))) {
          applyPartialArgs(streaming, partial)
          if (isObj(fc.args)) Object.assign(streaming.args, fc.args)
          if (!more) closeStreaming()
          return
        }
        closeStreaming()
        if (name === undefined) return // an empty end-of-call marker with no call open
        sawContent = true
        const index = toolCount++
        const id = packCallId(typeof fc.id === 'string' && fc.id !== '' ? fc.id : newId('call_'), signature)
        emit({ type: 'tool_call_start', index, id, name, ...(signature ? { signature } : {}) })
        const args: Json = isObj(fc.args) ? { ...fc.args } : {}
        if (more || partial) {
          streaming = { index, name, args }
          applyPartialArgs(streaming, partial)
          if (!more) closeStreaming()
          return
        }
        emit({ type: 'tool_call_delta', index, argumentsDelta: JSON.stringify(args) })
        emit({ type: 'tool_call_end', index })
      }

      const onPart = (part: Json) => {
        const rawSignature = typeof part.thoughtSignature === 'string' && part.thoughtSignature !== '' ? part.thoughtSignature : undefined
        if (isObj(part.functionCall)) return onCall(part.functionCall, rawSignature)
        closeStreaming()
        if (typeof part.text !== 'string') return // inline media, executableCode …: no stream event for them
        const signature = rawSignature ? unwrapSignature(rawSignature, FORMAT) : undefined
        if (part.thought === true) {
          if (part.text === '' && !signature) return
          sawContent = true
          emit({ type: 'thinking_delta', text: part.text, ...(signature ?? { format: FORMAT }) })
          return
        }
        if (part.text !== '') {
          sawContent = true
          emit({ type: 'text_delta', text: part.text })
        }
        if (signature) emit({ type: 'thinking_delta', text: '', ...signature })
      }

      const onChunk = (chunk: unknown) => {
        if (!isObj(chunk)) return fail('The upstream sent a stream event that is not an object.')
        const error = errorFromPayload(chunk)
        if (error) {
          emit({ type: 'error', error })
          phase = 'done'
          return
        }
        if (phase === 'idle') {
          phase = 'open'
          const start: HubStreamEvent = {
            type: 'start',
            id: typeof chunk.responseId === 'string' ? chunk.responseId : newId('resp_'),
            model: typeof chunk.modelVersion === 'string' ? chunk.modelVersion : '',
          }
          const created = typeof chunk.createTime === 'string' ? Date.parse(chunk.createTime) : NaN
          if (Number.isFinite(created)) start.created = Math.floor(created / 1000)
          emit(start)
        }
        if (isObj(chunk.promptFeedback) && typeof chunk.promptFeedback.blockReason === 'string') blocked = true
        const candidate = firstCandidate(chunk.candidates)
        if (candidate) {
          const content = candidate.content
          if (isObj(content) && Array.isArray(content.parts)) for (const part of content.parts) if (isObj(part)) onPart(part)
          if (typeof candidate.finishReason === 'string') finishReason = candidate.finishReason
        }
        // Vertex sends usageMetadata with no counts ({trafficType}) on early chunks: nothing to report.
        if (isObj(chunk.usageMetadata) && hasCounts(chunk.usageMetadata)) {
          const next = usageFromGemini(chunk.usageMetadata as GeminiUsage)
          const key = JSON.stringify(next)
          usage = next
          if (key !== usageKey) {
            usageKey = key
            emit({ type: 'usage', usage: next })
          }
        }
      }

      let payload: unknown
      try {
        payload = JSON.parse(event.data)
      } catch {
        return fail('The upstream sent a stream event that is not valid JSON.')
      }
      for (const chunk of Array.isArray(payload) ? payload : [payload]) {
        onChunk(unwrap ? unwrap(chunk) : chunk)
        if ((phase as string) === 'done') return
      }
    },

    flush(controller) {
      if (phase === 'done') return
      if (streaming) {
        controller.enqueue({ type: 'tool_call_delta', index: streaming.index, argumentsDelta: JSON.stringify(streaming.args) })
        controller.enqueue({ type: 'tool_call_end', index: streaming.index })
        streaming = undefined
      }
      if (phase === 'open' && (finishReason !== undefined || blocked)) {
        const reason = blocked && !sawContent ? 'content_filter' : finishReasonFromGemini(finishReason, toolCount > 0)
        controller.enqueue({ type: 'finish', reason, usage: usage ?? { inputTokens: 0, outputTokens: 0 } })
      } else {
        controller.enqueue({ type: 'error', error: new GatewayError('bad_gateway', STREAM_ENDED_EARLY, { upstream: true }) })
      }
      phase = 'done'
    },
  }
}

const hasCounts = (u: Json) =>
  ['promptTokenCount', 'candidatesTokenCount', 'totalTokenCount', 'thoughtsTokenCount'].some((k) => typeof u[k] === 'number')

// ---------------------------------------------------------------------------
// Streamed arguments (Vertex): `{jsonPath: "$.a.b[0]", stringValue | numberValue | boolValue | nullValue, willContinue}`

const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype'])

function applyPartialArgs(call: StreamingCall, partial: unknown[] | undefined): void {
  for (const item of partial ?? []) {
    if (!isObj(item) || typeof item.jsonPath !== 'string') continue
    const path = parseJsonPath(item.jsonPath)
    if (!path) continue
    let value: unknown
    if (typeof item.stringValue === 'string') value = item.stringValue
    else if (typeof item.numberValue === 'number') value = item.numberValue
    else if (typeof item.boolValue === 'boolean') value = item.boolValue
    else if ('nullValue' in item) value = null
    else continue
    const append = typeof value === 'string' && call.continuing === item.jsonPath
    setAt(call.args, path, value, append)
    call.continuing = item.willContinue === true ? item.jsonPath : undefined
  }
}

function setAt(root: Json, path: Array<string | number>, value: unknown, append: boolean): void {
  let at: Record<string | number, unknown> = root
  for (let i = 0; i < path.length - 1; i++) {
    const key = path[i]!
    const next = at[key]
    if (!next || typeof next !== 'object') at[key] = typeof path[i + 1] === 'number' ? [] : {}
    at = at[key] as Record<string | number, unknown>
  }
  const last = path[path.length - 1]!
  const current = at[last]
  at[last] = append && typeof current === 'string' ? current + (value as string) : value
}

/** An RFC 9535 path of names and indexes (`$.foo.bar[0]['x y']`); undefined for anything fancier. */
export function parseJsonPath(path: string): Array<string | number> | undefined {
  if (!path.startsWith('$')) return undefined
  const out: Array<string | number> = []
  let i = 1
  while (i < path.length) {
    if (path[i] === '.') {
      let j = i + 1
      while (j < path.length && path[j] !== '.' && path[j] !== '[') j++
      const name = path.slice(i + 1, j)
      if (!name) return undefined
      out.push(name)
      i = j
    } else if (path[i] === '[') {
      const quote = path[i + 1]
      if (quote === '"' || quote === "'") {
        let j = i + 2
        let name = ''
        while (j < path.length && path[j] !== quote) {
          if (path[j] === '\\' && j + 1 < path.length) j++
          name += path[j]
          j++
        }
        if (path[j + 1] !== ']') return undefined
        out.push(name)
        i = j + 2
      } else {
        const end = path.indexOf(']', i)
        if (end < 0) return undefined
        const n = Number(path.slice(i + 1, end))
        if (!Number.isInteger(n) || n < 0) return undefined
        out.push(n)
        i = end + 1
      }
    } else return undefined
  }
  if (!out.length || out.some((k) => typeof k === 'string' && UNSAFE_KEYS.has(k))) return undefined
  return out
}

/** The same as a TransformStream. */
export function decodeStream(): TransformStream<SseEvent, HubStreamEvent> {
  return toTransformStream(streamDecoder())
}
