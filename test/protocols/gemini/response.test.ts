import { describe, expect, it } from 'vitest'
import { GatewayError } from '../../../src/hub/errors'
import type { FinishReason, HubResponse } from '../../../src/hub/response'
import { gemini } from '../../../src/protocols/gemini'
import { finishReasonFromGemini, finishReasonToGemini } from '../../../src/protocols/gemini/map-finish-reason'
import { usageFromGemini, usageToGemini } from '../../../src/protocols/gemini/usage'
import { hubReq } from './helpers'

const answer = (parts: unknown[], extra: Record<string, unknown> = {}) => ({
  candidates: [{ content: { role: 'model', parts }, finishReason: 'STOP', index: 0 }],
  usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 5, totalTokenCount: 15 },
  modelVersion: 'gemini-2.5-flash',
  responseId: 'r-1',
  ...extra,
})

describe('usage', () => {
  it('input = prompt + tool-use prompt; output = candidates + thoughts; cached and thoughts kept', () => {
    const usage = usageFromGemini({
      promptTokenCount: 100,
      cachedContentTokenCount: 60,
      toolUsePromptTokenCount: 20,
      candidatesTokenCount: 30,
      thoughtsTokenCount: 50,
      totalTokenCount: 200,
    })
    expect(usage).toEqual({ inputTokens: 120, outputTokens: 80, cacheReadTokens: 60, reasoningTokens: 50 })
    expect(usage.inputTokens + usage.outputTokens).toBe(200)
    expect(usageToGemini(usage)).toEqual({
      promptTokenCount: 120,
      candidatesTokenCount: 30,
      thoughtsTokenCount: 50,
      totalTokenCount: 200,
      cachedContentTokenCount: 60,
    })
  })

  it('missing counts are zero and no thoughts means no thoughtsTokenCount', () => {
    expect(usageFromGemini(undefined)).toEqual({ inputTokens: 0, outputTokens: 0 })
    expect(usageFromGemini({ promptTokenCount: 7, totalTokenCount: 7 })).toEqual({ inputTokens: 7, outputTokens: 0 })
    expect(usageToGemini({ inputTokens: 4, outputTokens: 6 })).toEqual({ promptTokenCount: 4, candidatesTokenCount: 6, totalTokenCount: 10 })
  })
})

describe('finish reasons', () => {
  it('Gemini → hub', () => {
    const table: Array<[string | undefined, boolean, FinishReason]> = [
      ['STOP', false, 'stop'],
      ['STOP', true, 'tool_calls'],
      [undefined, false, 'stop'],
      ['MAX_TOKENS', false, 'length'],
      ['MAX_TOKENS', true, 'length'],
      ['SAFETY', false, 'content_filter'],
      ['RECITATION', false, 'content_filter'],
      ['BLOCKLIST', false, 'content_filter'],
      ['PROHIBITED_CONTENT', false, 'content_filter'],
      ['SPII', false, 'content_filter'],
      ['IMAGE_SAFETY', false, 'content_filter'],
      ['LANGUAGE', false, 'content_filter'],
      ['MALFORMED_FUNCTION_CALL', false, 'error'],
      ['UNEXPECTED_TOOL_CALL', false, 'error'],
      ['OTHER', false, 'other'],
      ['FINISH_REASON_UNSPECIFIED', false, 'other'],
      ['SOMETHING_NEW', false, 'other'],
    ]
    for (const [reason, calls, want] of table) expect([reason, calls, finishReasonFromGemini(reason, calls)]).toEqual([reason, calls, want])
  })

  it('hub → Gemini', () => {
    const table: Array<[FinishReason, string]> = [
      ['stop', 'STOP'],
      ['tool_calls', 'STOP'],
      ['length', 'MAX_TOKENS'],
      ['content_filter', 'SAFETY'],
      ['pause', 'OTHER'],
      ['error', 'OTHER'],
      ['other', 'OTHER'],
    ]
    for (const [reason, want] of table) expect([reason, finishReasonToGemini(reason)]).toEqual([reason, want])
  })
})

describe('decodeResponse', () => {
  it('reads parts of every kind', () => {
    const res = gemini.decodeResponse(
      answer([
        { text: 'thinking…', thought: true },
        { text: 'Here.' },
        { functionCall: { id: 'fc-1', name: 'run', args: { n: 1 } } },
        { executableCode: { language: 'PYTHON', code: '1+1' } },
        { inlineData: { mimeType: 'image/png', data: 'PNG' } },
      ], { createTime: '2026-04-02T17:03:50.399550Z' }),
    )
    expect(res).toEqual({
      id: 'r-1',
      model: 'gemini-2.5-flash',
      created: 1775149430,
      content: [
        { type: 'thinking', text: 'thinking…', format: 'google-gemini-v1' },
        { type: 'text', text: 'Here.' },
        { type: 'tool_call', id: 'fc-1', name: 'run', arguments: '{"n":1}' },
        { type: 'native', protocol: 'gemini', label: 'part "executableCode"', raw: { executableCode: { language: 'PYTHON', code: '1+1' } } },
        { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'PNG' } },
      ],
      finishReason: 'tool_calls',
      usage: { inputTokens: 10, outputTokens: 5 },
    })
  })

  it('a prompt blocked before generation is an empty content_filter answer', () => {
    const res = gemini.decodeResponse({
      promptFeedback: { blockReason: 'PROHIBITED_CONTENT' },
      usageMetadata: { promptTokenCount: 8, totalTokenCount: 8 },
      modelVersion: 'gemini-2.5-flash',
      responseId: 'blocked',
    })
    expect(res.content).toEqual([])
    expect(res.finishReason).toBe('content_filter')
    expect(res.usage).toEqual({ inputTokens: 8, outputTokens: 0 })
    expect((gemini.encodeResponse(res, hubReq()) as any).candidates[0]).toEqual({ finishReason: 'SAFETY', index: 0 })
  })

  it('reads the array a non-SSE stream returns as one response', () => {
    const res = gemini.decodeResponse([
      { candidates: [{ content: { role: 'model', parts: [{ text: 'Hel' }] } }], responseId: 'a', modelVersion: 'm' },
      { candidates: [{ content: { role: 'model', parts: [{ text: 'lo' }] }, finishReason: 'MAX_TOKENS' }], usageMetadata: { promptTokenCount: 1, candidatesTokenCount: 2 } },
    ])
    expect(res.content.map((p) => (p.type === 'text' ? p.text : '')).join('')).toBe('Hello')
    expect(res.finishReason).toBe('length')
    expect(res.usage).toEqual({ inputTokens: 1, outputTokens: 2 })
  })

  it('an error body is an upstream error; something else is a bad gateway', () => {
    try {
      gemini.decodeResponse({ error: { code: 503, message: 'The model is overloaded.', status: 'UNAVAILABLE' } })
      expect.unreachable()
    } catch (err) {
      expect(err).toBeInstanceOf(GatewayError)
      expect((err as GatewayError).kind).toBe('overloaded')
      expect((err as GatewayError).message).toBe('The model is overloaded.')
    }
    expect(() => gemini.decodeResponse({ choices: [] })).toThrow(/not a Gemini response/)
    expect(() => gemini.decodeResponse('nope')).toThrow(/not a Gemini response/)
  })
})

describe('encodeResponse', () => {
  it('writes a GenerateContentResponse with ids unpacked and signatures in place', () => {
    const res: HubResponse = {
      id: 'msg_1',
      model: 'claude-x',
      content: [
        { type: 'thinking', text: 'plan', format: 'google-gemini-v1' },
        { type: 'text', text: 'Calling.' },
        { type: 'text', text: '' },
        { type: 'tool_call', id: 'toolu_1', name: 'a', arguments: '{"x":1}' },
        { type: 'tool_call', id: 'call_2__gsig__U0lHLTI', name: 'b', arguments: '' },
        { type: 'native', protocol: 'anthropic', label: 'content block "server_tool_use"', raw: {} },
      ],
      finishReason: 'tool_calls',
      usage: { inputTokens: 10, outputTokens: 20, reasoningTokens: 5 },
    }
    expect(gemini.encodeResponse(res, hubReq())).toEqual({
      candidates: [
        {
          content: {
            role: 'model',
            parts: [
              { text: 'plan', thought: true },
              { text: 'Calling.' },
              { functionCall: { id: 'toolu_1', name: 'a', args: { x: 1 } } },
              { functionCall: { id: 'call_2', name: 'b', args: {} }, thoughtSignature: 'SIG-2' },
            ],
          },
          finishReason: 'STOP',
          index: 0,
        },
      ],
      usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 15, thoughtsTokenCount: 5, totalTokenCount: 30 },
      modelVersion: 'claude-x',
      responseId: 'msg_1',
    })
  })

  it('a signature with no part before it stays as its own empty part', () => {
    const res: HubResponse = {
      id: 'r',
      model: 'm',
      content: [
        { type: 'tool_call', id: 'c', name: 'f', arguments: '{}', signature: 'CALL' },
        { type: 'thinking', text: '', signature: 'TAIL', format: 'google-gemini-v1' },
      ],
      finishReason: 'tool_calls',
      usage: { inputTokens: 0, outputTokens: 0 },
    }
    expect((gemini.encodeResponse(res, hubReq()) as any).candidates[0].content.parts).toEqual([
      { functionCall: { id: 'c', name: 'f', args: {} }, thoughtSignature: 'CALL' },
      { text: '', thoughtSignature: 'TAIL' },
    ])
  })
})
