import { describe, expect, it } from 'vitest'
import { GatewayError } from '../../../src/hub/errors'
import { PROTOCOLS } from '../../../src/protocols'
import { gemini } from '../../../src/protocols/gemini'
import { runTransform } from '../../helpers/streams'
import { ctx, hubReq, sse } from '../gemini/helpers'

const ca = PROTOCOLS['gemini-code-assist']

const wrapped = (response: object, traceId = 'trace-1') => ({ response, traceId })
const hello = {
  candidates: [{ content: { role: 'model', parts: [{ text: 'Hello' }] }, finishReason: 'STOP' }],
  usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 1, totalTokenCount: 4 },
  modelVersion: 'gemini-2.5-flash',
}

describe('gemini-code-assist protocol (the Gemini CLI’s Code Assist wire shape)', () => {
  it('wraps the Gemini request: model by name, a prompt id, the Gemini body under `request`, no project', () => {
    const hub = hubReq({ system: [{ type: 'text', text: 'Be brief.' }], temperature: 0.5, userId: 'sess-1' })
    const body = ca.encodeRequest(hub, ctx('gemini-2.5-pro'))
    const inner = gemini.encodeRequest(hub, ctx('gemini-2.5-pro'))
    expect(body.model).toBe('gemini-2.5-pro')
    expect(body.user_prompt_id).toMatch(/^[0-9a-f-]{36}$/)
    expect(body).not.toHaveProperty('project')
    expect(body.request).toEqual({ ...inner, session_id: 'sess-1' })
    expect((body.request as any).systemInstruction).toEqual({ parts: [{ text: 'Be brief.' }] })
    expect((body.request as any).generationConfig.temperature).toBe(0.5)
    // A `models/` prefix is not part of Code Assist's model name.
    expect(ca.encodeRequest(hubReq(), ctx('models/gemini-2.5-flash')).model).toBe('gemini-2.5-flash')
  })

  it('calls the v1internal methods', () => {
    expect(ca.upstreamPath('gemini-2.5-pro', false)).toBe('/v1internal:generateContent')
    expect(ca.upstreamPath('gemini-2.5-pro', true)).toBe('/v1internal:streamGenerateContent?alt=sse')
  })

  it('unwraps a whole answer; its traceId becomes the response id', () => {
    const res = ca.decodeResponse(wrapped(hello))
    expect(res.id).toBe('trace-1')
    expect(res.content).toEqual([{ type: 'text', text: 'Hello' }])
    expect(res.finishReason).toBe('stop')
    expect(res.usage).toMatchObject({ inputTokens: 3, outputTokens: 1 })
    // A responseId the upstream gave wins over the trace id.
    expect(ca.decodeResponse(wrapped({ ...hello, responseId: 'r-9' })).id).toBe('r-9')
  })

  it('reports an error body, and refuses a body that is no answer', () => {
    expect(() => ca.decodeResponse({ error: { code: 429, message: 'Quota exceeded', status: 'RESOURCE_EXHAUSTED' } })).toThrow(/Quota exceeded/)
    expect(() => ca.decodeResponse({ something: 'else' })).toThrow(GatewayError)
  })

  it('unwraps every SSE event of a stream', async () => {
    const events = await runTransform(
      sse([
        JSON.stringify(wrapped({ candidates: [{ content: { role: 'model', parts: [{ text: 'Hel' }] } }] }, 't-7')),
        JSON.stringify(wrapped({ candidates: [{ content: { role: 'model', parts: [{ text: 'lo' }] } }] }, 't-7')),
        JSON.stringify(wrapped(hello, 't-7')),
      ]),
      ca.decodeStream(),
    )
    expect(events[0]).toMatchObject({ type: 'start', id: 't-7' })
    expect(events.filter((e) => e.type === 'text_delta').map((e: any) => e.text).join('')).toBe('HelloHello')
    expect(events.at(-1)).toMatchObject({ type: 'finish', reason: 'stop', usage: { inputTokens: 3, outputTokens: 1 } })
  })

  it('an error event mid-stream is an error, never a finish', async () => {
    const events = await runTransform(
      sse([
        JSON.stringify(wrapped({ candidates: [{ content: { role: 'model', parts: [{ text: 'Hi' }] } }] })),
        JSON.stringify({ error: { code: 500, message: 'Internal error', status: 'INTERNAL' } }),
      ]),
      ca.decodeStream(),
    )
    expect(events.at(-1)).toMatchObject({ type: 'error' })
    expect(events.some((e) => e.type === 'finish')).toBe(false)
  })
})
