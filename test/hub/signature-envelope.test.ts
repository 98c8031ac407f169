import { describe, expect, it } from 'vitest'
import { packCallId, unpackCallId, unwrapSignature, wrapSignature } from '../../src/hub/signature-envelope'
import { anthropic } from '../../src/protocols/anthropic'
import type { HubResponse } from '../../src/hub/response'

describe('signature envelope', () => {
  it('own signatures travel bare; foreign ones are wrapped and unwrapped byte for byte', () => {
    expect(wrapSignature('abc+/=', 'anthropic-claude-v1', 'anthropic-claude-v1')).toBe('abc+/=')
    expect(wrapSignature('abc+/=', undefined, 'anthropic-claude-v1')).toBe('abc+/=')
    const wrapped = wrapSignature('CiQB+/x==', 'google-gemini-v1', 'anthropic-claude-v1')
    expect(wrapped).not.toBe('CiQB+/x==')
    expect(unwrapSignature(wrapped, 'anthropic-claude-v1')).toEqual({ signature: 'CiQB+/x==', format: 'google-gemini-v1' })
    expect(unwrapSignature('plain', 'anthropic-claude-v1')).toEqual({ signature: 'plain', format: 'anthropic-claude-v1' })
  })

  it('call ids carry a Gemini signature in [A-Za-z0-9_-] and give it back', () => {
    const sig = 'CiQBjz1rX+/abc=='
    const id = packCallId('call_0_1', sig)
    expect(id).toMatch(/^[A-Za-z0-9_-]+$/)
    expect(unpackCallId(id)).toEqual({ id: 'call_0_1', signature: sig })
    expect(unpackCallId('toolu_123')).toEqual({ id: 'toolu_123' })
    expect(packCallId('x', undefined)).toBe('x')
  })

  it('a Gemini thought signature survives a trip through an Anthropic client', () => {
    const res: HubResponse = {
      id: 'r',
      model: 'gemini-x',
      content: [
        { type: 'thinking', text: 'plan', signature: 'G+sig/==', format: 'google-gemini-v1' },
        { type: 'text', text: 'ok' },
      ],
      finishReason: 'stop',
      usage: { inputTokens: 1, outputTokens: 1 },
    }
    const req = anthropic.decodeRequest({ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'q' }] })
    const sent = anthropic.encodeResponse(res, req) as { content: unknown[] }
    const back = anthropic.decodeRequest({
      model: 'm',
      max_tokens: 5,
      messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: sent.content }, { role: 'user', content: 'more' }],
    })
    expect(back.messages[1]!.content[0]).toEqual({ type: 'thinking', text: 'plan', signature: 'G+sig/==', format: 'google-gemini-v1' })
  })
})
