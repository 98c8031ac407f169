import { describe, expect, it } from 'vitest'
import type { ContentPart, HubRequest } from '../../src/hub/request'
import type { HubResponse } from '../../src/hub/response'
import { PROTOCOLS } from '../../src/protocols'
import type { ProtocolId } from '../../src/protocols/types'
import {
  dropForeignThinking,
  dropForeignThinkingFromBody,
  dropSignedThinking,
  dropSignedThinkingFromBody,
  isThinkingSignatureError,
} from '../../src/resilience/foreign-thinking'

const FORMATS = { anthropic: 'anthropic-claude-v1', 'openai-responses': 'openai-responses-v1', gemini: 'google-gemini-v1' } as const
type Family = keyof typeof FORMATS
const FAMILIES = Object.keys(FORMATS) as Family[]

/** A conversation whose assistant turn carries signed thinking and encrypted reasoning made by `family`. */
function conversation(family: Family): HubRequest {
  const sig = `SIG-${family}-0123456789`
  const data = `DATA-${family}-0123456789`
  return {
    model: 'm',
    system: [],
    messages: [
      { role: 'user', content: [{ type: 'text', text: 'hi' }] },
      {
        role: 'assistant',
        content: [
          { type: 'thinking', text: 'plan', signature: sig, format: FORMATS[family], id: 'rs_1' },
          { type: 'redacted_thinking', data, format: FORMATS[family], id: 'rs_2' },
          { type: 'text', text: 'hello' },
        ],
      },
      { role: 'user', content: [{ type: 'text', text: 'again' }] },
    ],
    stream: false,
  }
}

const ctx = (warnings: string[]) => ({ model: 'o3', quirks: { reasoningModel: () => true }, warn: (m: string) => warnings.push(m) })

describe('the encoders keep only their own family’s signed reasoning (every pair)', () => {
  for (const target of ['anthropic', 'gemini', 'openai-responses', 'openai-chat'] as ProtocolId[])
    for (const origin of FAMILIES) {
      const own = target === origin
      it(`${origin} → ${target}: ${own ? 'kept' : 'dropped, with a warning'}`, () => {
        const warnings: string[] = []
        const wire = JSON.stringify(PROTOCOLS[target].encodeRequest(conversation(origin), ctx(warnings)))
        const sent = wire.includes(`SIG-${origin}`) || wire.includes(`DATA-${origin}`)
        expect(sent).toBe(own)
        if (!own && target !== 'openai-chat') expect(warnings.join(';')).toMatch(/dropped/)
      })
    }
})

describe('Chat Completions hosts get reasoning as text, never a signature', () => {
  it('reasoning_content carries the text alone', () => {
    for (const origin of FAMILIES) {
      const wire = JSON.stringify(
        PROTOCOLS['openai-chat'].encodeRequest(conversation(origin), { model: 'deepseek', quirks: { reasoningHistory: 'reasoning_content' }, warn: () => {} }),
      )
      expect(wire).toContain('"reasoning_content":"plan"')
      expect(wire).not.toContain('SIG-')
      expect(wire).not.toContain('DATA-')
    }
  })
})

describe('dropForeignThinking (hub, ahead of the encoder)', () => {
  for (const target of FAMILIES)
    for (const origin of FAMILIES) {
      it(`${origin} → ${target}`, () => {
        const warnings: string[] = []
        const req = conversation(origin)
        const out = dropForeignThinking(req, target, (m) => warnings.push(m))
        if (origin === target) {
          expect(out).toBe(req)
          expect(warnings).toEqual([])
          return
        }
        expect(out).not.toBe(req)
        expect(out.messages[1]!.content.map((p) => p.type)).toEqual(['text'])
        expect(req.messages[1]!.content).toHaveLength(3) // the client's request is not changed
        expect(out.messages[0]).toBe(req.messages[0])
        expect(warnings).toEqual([expect.stringMatching(/^2 signed reasoning blocks from another provider dropped/)])
        // Nothing foreign is left for the encoder to warn about.
        const more: string[] = []
        PROTOCOLS[target].encodeRequest(out, ctx(more))
        expect(more.filter((m) => /another provider/.test(m))).toEqual([])
      })
    }

  it('unsigned reasoning and Chat Completions upstreams are left alone', () => {
    const req: HubRequest = { ...conversation('anthropic') }
    expect(dropForeignThinking(req, 'openai-chat', () => {})).toBe(req)
    const unsigned: HubRequest = {
      ...req,
      messages: [{ role: 'assistant', content: [{ type: 'thinking', text: 'deepseek thoughts' } as ContentPart] }],
    }
    expect(dropForeignThinking(unsigned, 'gemini', () => {})).toBe(unsigned)
  })
})

/** What a client of `client` protocol holds after a `origin`-family upstream answered it through the gateway. */
function answeredBy(origin: Family, client: ProtocolId): unknown {
  const res: HubResponse = {
    id: 'r1',
    model: 'x',
    content: [
      { type: 'thinking', text: 'plan', signature: `SIG-${origin}`, format: FORMATS[origin] },
      { type: 'text', text: 'hello' },
    ],
    finishReason: 'stop',
    usage: { inputTokens: 1, outputTokens: 1 },
  }
  const req = PROTOCOLS[client].decodeRequest(
    client === 'gemini' ? { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] } : client === 'openai-responses' ? { model: 'm', input: 'hi' } : { model: 'm', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] },
    client === 'gemini' ? { model: 'm', stream: false } : undefined,
  )
  return PROTOCOLS[client].encodeResponse(res, req)
}

describe('dropForeignThinkingFromBody (pass-through)', () => {
  it('Anthropic: thinking another family signed (wrapped for the client) is taken out of the next request', () => {
    const answer = answeredBy('gemini', 'anthropic') as { content: unknown[] }
    expect(JSON.stringify(answer.content)).toContain('gwsig.google-gemini-v1.')
    const body = { model: 'claude', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: answer.content }, { role: 'user', content: 'go on' }] }
    const warnings: string[] = []
    const out = dropForeignThinkingFromBody('anthropic', body, (m) => warnings.push(m))!
    expect(JSON.stringify(out)).not.toContain('gwsig.')
    expect((out.messages as Array<{ content: unknown }>)[1]!.content).toEqual([{ type: 'text', text: 'hello' }])
    expect(warnings).toEqual([expect.stringMatching(/1 signed reasoning block from another provider dropped .*Anthropic/)])
    expect(JSON.stringify(body)).toContain('gwsig.') // the original is untouched
    // Anthropic's own signatures stay, and then nothing is copied.
    const own = answeredBy('anthropic', 'anthropic') as { content: unknown[] }
    expect(dropForeignThinkingFromBody('anthropic', { messages: [{ role: 'assistant', content: own.content }] }, () => {})).toBeUndefined()
  })

  it('Anthropic: manual thinking goes when the last tool-calling turn lost its (foreign) thinking', () => {
    const body = {
      thinking: { type: 'enabled', budget_tokens: 2048 },
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: [{ type: 'thinking', thinking: 'p', signature: 'gwsig.openai-responses-v1.xyz' }, { type: 'tool_use', id: 't', name: 'f', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: 'ok' }] },
      ],
    }
    const warnings: string[] = []
    const out = dropForeignThinkingFromBody('anthropic', body, (m) => warnings.push(m))!
    expect(out.thinking).toBeUndefined()
    expect(warnings).toHaveLength(2)
  })

  it('Responses: reasoning items another family made are taken out', () => {
    const answer = answeredBy('anthropic', 'openai-responses') as { output: Array<Record<string, unknown>> }
    const reasoning = answer.output.find((i) => i.type === 'reasoning')!
    expect(reasoning.encrypted_content).toMatch(/^gwsig\.anthropic-claude-v1\./)
    const body = { model: 'o3', input: [{ role: 'user', content: 'hi' }, ...answer.output, { role: 'user', content: 'more' }] }
    const warnings: string[] = []
    const out = dropForeignThinkingFromBody('openai-responses', body, (m) => warnings.push(m))!
    expect((out.input as Array<{ type?: string }>).some((i) => i.type === 'reasoning')).toBe(false)
    expect(out.input).toHaveLength(body.input.length - 1)
    expect(warnings[0]).toMatch(/OpenAI cannot verify/)
    const ownItem = { type: 'reasoning', id: 'rs_1', summary: [], encrypted_content: 'gAAAA-own' }
    expect(dropForeignThinkingFromBody('openai-responses', { input: [ownItem] }, () => {})).toBeUndefined()
  })

  it('Gemini: thought parts another family signed go; a signature riding on a text part loses only the field', () => {
    const answer = answeredBy('anthropic', 'gemini') as { candidates: Array<{ content: { role: string; parts: unknown[] } }> }
    const parts = answer.candidates[0]!.content.parts
    expect(JSON.stringify(parts)).toContain('gwsig.anthropic-claude-v1.')
    const body = { contents: [{ role: 'user', parts: [{ text: 'hi' }] }, { role: 'model', parts }, { role: 'user', parts: [{ text: 'more' }] }] }
    const out = dropForeignThinkingFromBody('gemini', body, () => {})!
    expect(JSON.stringify(out)).not.toContain('gwsig.')
    expect((out.contents as Array<{ parts: unknown[] }>)[1]!.parts).toEqual([{ text: 'hello' }])
    const loose = { contents: [{ role: 'model', parts: [{ text: 'answer', thoughtSignature: 'gwsig.anthropic-claude-v1.abc' }] }] }
    expect(dropForeignThinkingFromBody('gemini', loose, () => {})).toEqual({ contents: [{ role: 'model', parts: [{ text: 'answer' }] }] })
    const own = { contents: [{ role: 'model', parts: [{ functionCall: { name: 'f', args: {} }, thoughtSignature: 'CiQB-own' }] }] }
    expect(dropForeignThinkingFromBody('gemini', own, () => {})).toBeUndefined()
  })

  it('Chat Completions bodies are left alone', () => {
    expect(dropForeignThinkingFromBody('openai-chat', { messages: [{ role: 'assistant', content: 'x', reasoning_details: [] }] }, () => {})).toBeUndefined()
  })
})

describe('an upstream that cannot verify the history’s reasoning (same protocol, another provider or account)', () => {
  it('recognises each provider’s refusal', () => {
    const a = PROTOCOLS.anthropic.decodeError(
      400,
      JSON.stringify({ type: 'error', error: { type: 'invalid_request_error', message: 'messages.1.content.0: Invalid `signature` in `thinking` block' } }),
    )
    const o = PROTOCOLS['openai-responses'].decodeError(
      400,
      JSON.stringify({ error: { message: 'The encrypted content gAAA...DQ== could not be verified.', type: 'invalid_request_error', param: null, code: 'invalid_encrypted_content' } }),
    )
    const g = PROTOCOLS.gemini.decodeError(400, JSON.stringify({ error: { code: 400, message: 'Corrupted thought signature.', status: 'INVALID_ARGUMENT' } }))
    for (const err of [a, o, g]) expect(isThinkingSignatureError(err, 400), err.message).toBe(true)
    expect(isThinkingSignatureError(a, 500)).toBe(false)
    const other = PROTOCOLS.anthropic.decodeError(400, JSON.stringify({ type: 'error', error: { type: 'invalid_request_error', message: 'messages: roles must alternate' } }))
    expect(isThinkingSignatureError(other, 400)).toBe(false)
  })

  it('the retry drops every signed block, whoever made it (hub)', () => {
    const warnings: string[] = []
    const req = conversation('anthropic')
    const out = dropSignedThinking(req, (m) => warnings.push(m))
    expect(out.messages[1]!.content.map((p) => p.type)).toEqual(['text'])
    expect(req.messages[1]!.content).toHaveLength(3)
    expect(warnings).toEqual([expect.stringMatching(/could not verify.*2 signed reasoning blocks dropped/)])
    const none = { ...req, messages: [req.messages[0]!] }
    expect(dropSignedThinking(none, () => {})).toBe(none)
  })

  it('the retry drops every signed block from a passed-through body of each protocol', () => {
    const anthropicBody = {
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: [{ type: 'thinking', thinking: 'p', signature: 'minimax-sig' }, { type: 'text', text: 'ok' }] },
      ],
    }
    expect(dropSignedThinkingFromBody('anthropic', anthropicBody, () => {})!.messages).toEqual([
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: [{ type: 'text', text: 'ok' }] },
    ])
    const responsesBody = { input: [{ type: 'reasoning', id: 'rs_1', summary: [], encrypted_content: 'gAAA-other-org' }, { role: 'user', content: 'x' }] }
    expect(dropSignedThinkingFromBody('openai-responses', responsesBody, () => {})!.input).toEqual([{ role: 'user', content: 'x' }])
    const geminiBody = {
      contents: [
        { role: 'model', parts: [{ text: 'thinking', thought: true, thoughtSignature: 'a' }, { functionCall: { name: 'f', args: {} }, thoughtSignature: 'b' }] },
      ],
    }
    expect(dropSignedThinkingFromBody('gemini', geminiBody, () => {})!.contents).toEqual([
      { role: 'model', parts: [{ functionCall: { name: 'f', args: {} }, thoughtSignature: 'skip_thought_signature_validator' }] },
    ])
    // Already placeholders only: nothing to do, so no second retry.
    const skipped = { contents: [{ role: 'model', parts: [{ functionCall: { name: 'f', args: {} }, thoughtSignature: 'skip_thought_signature_validator' }] }] }
    expect(dropSignedThinkingFromBody('gemini', skipped, () => {})).toBeUndefined()
  })
})
