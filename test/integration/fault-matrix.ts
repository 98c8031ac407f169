import { describe, expect, it } from 'vitest'
import type { SseEvent } from '../../src/sse/parse'
import { parseSseText } from '../helpers/streams'
import { FAULTS, type Fault } from './faulty-upstream'

/**
 * Broken upstreams end honestly. Every fault of test/integration/faulty-upstream.ts
 * goes through every front end, streaming and not, passed through (same protocol)
 * and translated: the client gets a native error status and shape before its
 * stream starts, or an error event in its protocol, on a fresh line, after —
 * never a normal finish, never a hang. The `ok` row checks that the checks can
 * tell a normal finish when there is one.
 *
 * The matrix runs against the Node adapter (faults.test.ts) and inside workerd
 * (test/workers/faults.test.ts), each with its own faulty upstream.
 */
/** The idle timeout the gateway under test is given. */
export const IDLE_MS = 300

/** The gateway's settings, every back end on the faulty upstream. */
export function faultSettings(upstreamUrl: string): Record<string, string> {
  return {
    OPENAI_API_KEY: 'sk-test',
    OPENAI_BASE_URL: `${upstreamUrl}/v1`,
    OPENAI_RESPONSES_API_KEY: 'sk-test',
    OPENAI_RESPONSES_BASE_URL: `${upstreamUrl}/v1`,
    ANTHROPIC_API_KEY: 'sk-ant-test',
    ANTHROPIC_BASE_URL: upstreamUrl,
    GEMINI_API_KEY: 'AIza-test',
    GEMINI_BASE_URL: upstreamUrl,
    STREAM_IDLE_TIMEOUT_MS: String(IDLE_MS),
    // A non-streaming answer that stalls halfway is still waited for as a whole: this bounds it.
    UPSTREAM_TIMEOUT_MS: '1500',
    LOG_LEVEL: 'silent',
    LLM_PROXY_LOCAL_DISCOVERY: '0',
  }
}

/** How a suite reaches the gateway under test: a path and the request's init. */
export type SendToGateway = (path: string, init: RequestInit) => Promise<Response>

export type Front = 'openai-chat' | 'openai-responses' | 'anthropic' | 'gemini'

interface FrontCase {
  /** The back end that speaks the same protocol (pass-through), and one that does not (translated). */
  same: string
  other: string
  request(model: string, stream: boolean): { path: string; body: unknown }
  /** The error body of this protocol (HTTP error, or the data of a stream's error event). */
  isError(event: SseEvent | unknown): boolean
  /** A normal finish in this protocol's stream. */
  finishes(event: SseEvent): boolean
}

const json = (data: string): any => {
  try {
    return JSON.parse(data)
  } catch {
    return undefined
  }
}
const openaiError = (body: any) => typeof body?.error?.message === 'string' && typeof body.error.type === 'string' && 'code' in body.error
const anthropicError = (body: any) => body?.type === 'error' && typeof body.error?.type === 'string' && typeof body.error.message === 'string'
const geminiError = (body: any) => typeof body?.error?.code === 'number' && typeof body.error.message === 'string' && typeof body.error.status === 'string'
const asEvent = (e: SseEvent | unknown): e is SseEvent => typeof (e as SseEvent)?.data === 'string'

export const FRONTS: Record<Front, FrontCase> = {
  'openai-chat': {
    same: 'openai',
    other: 'anthropic',
    request: (model, stream) => ({ path: '/v1/chat/completions', body: { model, stream, messages: [{ role: 'user', content: 'hi' }] } }),
    isError: (e) => openaiError(asEvent(e) ? json(e.data) : e),
    finishes: (e) => e.data === '[DONE]' || json(e.data)?.choices?.some((c: any) => c.finish_reason) === true,
  },
  'openai-responses': {
    same: 'openai-responses',
    other: 'openai',
    request: (model, stream) => ({ path: '/v1/responses', body: { model, stream, input: 'hi' } }),
    isError: (e) => {
      if (!asEvent(e)) return openaiError(e)
      const d = json(e.data)
      return (e.event === 'error' && d?.type === 'error' && typeof d.message === 'string') || (e.event === 'response.failed' && d?.response?.status === 'failed')
    },
    finishes: (e) => ['response.completed', 'response.incomplete'].includes(json(e.data)?.type),
  },
  anthropic: {
    same: 'anthropic',
    other: 'gemini',
    request: (model, stream) => ({ path: '/v1/messages', body: { model, stream, max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] } }),
    isError: (e) => (asEvent(e) ? e.event === 'error' && anthropicError(json(e.data)) : anthropicError(e)),
    finishes: (e) => e.event === 'message_stop' || json(e.data)?.type === 'message_stop',
  },
  gemini: {
    same: 'gemini',
    other: 'openai-responses',
    request: (model, stream) => ({
      path: `/v1beta/models/${model}:${stream ? 'streamGenerateContent?alt=sse' : 'generateContent'}`,
      body: { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] },
    }),
    isError: (e) => geminiError(asEvent(e) ? json(e.data) : e),
    finishes: (e) => json(e.data)?.candidates?.some((c: any) => c.finishReason) === true,
  },
}

/** Faults that only a stream can have. */
const STREAM_ONLY: Fault[] = ['missing-terminal', 'hold']

/** Sends one request of a front end's protocol through the gateway. */
export function sender(gateway: () => SendToGateway) {
  return (front: Front, model: string, stream: boolean, signal?: AbortSignal): Promise<Response> => {
    const { path, body } = FRONTS[front].request(model, stream)
    return gateway()(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify(body),
      signal,
    })
  }
}

/** Every fault through every front end, streaming and not, passed through and translated. */
export function defineFaultMatrix(gateway: () => SendToGateway): void {
  const send = sender(gateway)
  /** What one request got, checked: an honest error, or (the `ok` row) a normal finish. */
  async function check(fault: Fault, front: Front, route: 'pass-through' | 'translated', stream: boolean): Promise<void> {
    const f = FRONTS[front]
    const backend = route === 'pass-through' ? f.same : f.other
    const label = `${fault} → ${front} ${route} (${backend}) ${stream ? 'stream' : 'JSON'}`
    const res = await send(front, `${backend}:${fault}.${front}-${route}-${stream ? 's' : 'j'}`, stream)
    const text = await res.text()

    if (fault === 'ok') {
      expect(res.status, label).toBe(200)
      if (stream) expect(parseSseText(text).some(f.finishes), `${label}: finishes`).toBe(true)
      else expect(f.isError(json(text)), label).toBe(false)
      return
    }
    if (res.status !== 200) {
      // Before the stream started: a native error status and body.
      expect([502, 504], `${label}: status`).toContain(res.status)
      expect(f.isError(json(text)), `${label}: error shape of ${text}`).toBe(true)
      return
    }
    expect(stream, `${label}: a 200 for a broken answer: ${text.slice(0, 300)}`).toBe(true)
    expect(res.headers.get('content-type'), label).toContain('text/event-stream')
    // After it started: the last event is an error in the client's protocol, on a fresh line (a frame glued to
    // half a line would not parse), and nothing before it was a normal finish.
    const events = parseSseText(text)
    expect(f.isError(events.at(-1)), `${label}: last event of ${JSON.stringify(text.slice(-400))}`).toBe(true)
    expect(events.some(f.finishes), `${label}: finished normally`).toBe(false)
  }

  describe('broken upstreams end honestly, through every front end', () => {
    for (const fault of FAULTS.filter((x) => x !== 'hold'))
      it.concurrent(fault, async () => {
        const checks: Array<Promise<void>> = []
        for (const front of Object.keys(FRONTS) as Front[])
          for (const route of ['pass-through', 'translated'] as const)
            for (const stream of [true, false]) {
              if (!stream && STREAM_ONLY.includes(fault)) continue
              checks.push(check(fault, front, route, stream))
            }
        await Promise.all(checks)
      })

    it('an upstream that stalls is ended after STREAM_IDLE_TIMEOUT_MS with a timeout error', async () => {
      const res = await send('anthropic', 'anthropic:stall.timeout-kind', true)
      const last = parseSseText(await res.text()).at(-1)!
      expect(last.event).toBe('error')
      expect(JSON.parse(last.data).error.message).toContain(`${IDLE_MS} ms`)
      const chat = await send('openai-chat', 'anthropic:stall.timeout-kind-2', true)
      expect(JSON.parse(parseSseText(await chat.text()).at(-1)!.data).error.code).toBe('timeout')
    })

    it('a reset in the middle of a line: the error event starts on a fresh line', async () => {
      const res = await send('openai-chat', 'openai:reset-mid-line.fresh-line', true)
      const text = await res.text()
      const at = text.lastIndexOf('data: {"error"')
      expect(at).toBeGreaterThan(0)
      expect(text.slice(at - 2, at)).toBe('\n\n')
      // the half line the upstream sent is still there, ended, before it
      expect(text.slice(0, at - 2)).toMatch(/data: \{[^\n]*$/)
    })

    it('an HTML error page is reported as one, without its content', async () => {
      const res = await send('anthropic', 'anthropic:html-5xx.desc', false)
      expect(res.status).toBe(502)
      const body = await res.json()
      expect(body.error.message).toContain('HTTP 503 with an HTML page ("503 Service Temporarily Unavailable")')
      expect(body.error.message).not.toContain('nginx')
    })
  })
}
