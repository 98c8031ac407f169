import { describe, expect, it } from 'vitest'
import type { HubMessage, HubRequest } from '../../src/hub/request'
import { packCallId } from '../../src/hub/signature-envelope'
import { openaiChat } from '../../src/protocols/openai-chat'
import { alphanumeric9Id, applyUpstreamQuirks } from '../../src/protocols/openai-chat/quirks'
import type { UpstreamQuirks } from '../../src/protocols/types'
import { CATALOGUE } from '../../src/providers/catalogue'

const quirksOf = (id: string): UpstreamQuirks => CATALOGUE.find((p) => p.id === id)!.quirks ?? {}
const MISTRAL_ID = /^[A-Za-z0-9]{9}$/

function encode(over: Partial<HubRequest>, quirks: UpstreamQuirks) {
  const warnings: string[] = []
  const req: HubRequest = { model: 'm', system: [], messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }], stream: false, ...over }
  const body = openaiChat.encodeRequest(req, { model: 'm', quirks, warn: (w) => warnings.push(w) }) as any
  return { body, warnings }
}

const toolHistory = (ids: string[], thinking?: string): HubMessage[] => [
  { role: 'user', content: [{ type: 'text', text: 'weather in two cities?' }] },
  {
    role: 'assistant',
    content: [
      ...(thinking !== undefined ? [{ type: 'thinking' as const, text: thinking }] : []),
      ...ids.map((id, i) => ({ type: 'tool_call' as const, id, name: 'get_weather', arguments: `{"city":"c${i}"}` })),
    ],
  },
  { role: 'user', content: ids.map((id, i) => ({ type: 'tool_result' as const, toolCallId: id, content: `r${i}` })) },
]

describe('alphanumeric9Id (Mistral tool-call ids)', () => {
  it('keeps an id that is already 9 alphanumerics', () => {
    expect(alphanumeric9Id('aB3xK9mP2')).toBe('aB3xK9mP2')
    expect(alphanumeric9Id('000000000')).toBe('000000000')
  })

  it('maps any other id to 9 alphanumerics, the same every time', () => {
    for (const id of ['call_abc', 'toolu_01A2b3C4d5E6f7G8h9', 'a', '', 'call-9', 'ABCDEFGHIJ', 'ünïcødé-id', 'x'.repeat(500)]) {
      const out = alphanumeric9Id(id)
      expect(out).toMatch(MISTRAL_ID)
      expect(alphanumeric9Id(id)).toBe(out)
    }
  })

  it('ids sharing a long prefix still map to different ids', () => {
    const out = new Set<string>()
    for (let i = 0; i < 5000; i++) out.add(alphanumeric9Id(`toolu_01AbCdEfGhIjKlMnOp${i}`))
    expect(out.size).toBe(5000)
  })
})

describe('Mistral quirks through the Chat Completions encoder', () => {
  it('tool-call ids and the matching tool_call_ids become the same 9-character ids', () => {
    const ids = ['call_fake0', 'toolu_01XyZ', 'aB3xK9mP2']
    const { body } = encode({ messages: toolHistory(ids) }, quirksOf('mistral'))
    const calls = body.messages[1].tool_calls.map((c: any) => c.id)
    const results = body.messages.filter((m: any) => m.role === 'tool').map((m: any) => m.tool_call_id)
    for (const id of calls) expect(id).toMatch(MISTRAL_ID)
    expect(results).toEqual(calls)
    expect(new Set(calls).size).toBe(3)
    expect(calls[2]).toBe('aB3xK9mP2') // already valid: unchanged
  })

  it('a Gemini signature packed into an id is removed before mapping, on both sides', () => {
    const id = packCallId('call_1', 'c2lnbmF0dXJl')
    const { body } = encode({ messages: toolHistory([id]) }, quirksOf('mistral'))
    expect(body.messages[1].tool_calls[0].id).toBe(alphanumeric9Id('call_1'))
    expect(body.messages[2].tool_call_id).toBe(alphanumeric9Id('call_1'))
  })

  it('no stream_options (refused; Mistral sends usage anyway), no user (refused, warned), seed as random_seed', () => {
    const { body, warnings } = encode({ stream: true, seed: 7, userId: 'u-1', maxTokens: 100, temperature: 0.3 }, quirksOf('mistral'))
    expect(body.stream).toBe(true)
    expect(body).not.toHaveProperty('stream_options')
    expect(body).not.toHaveProperty('user')
    expect(body).not.toHaveProperty('seed')
    expect(body.random_seed).toBe(7)
    expect(body).toMatchObject({ max_tokens: 100, temperature: 0.3 })
    expect(warnings).toEqual(['user dropped: the upstream does not accept it.'])
  })

  it('another host keeps the ids, stream_options, user and seed', () => {
    const { body, warnings } = encode({ messages: toolHistory(['call_fake0']), stream: true, seed: 7, userId: 'u' }, quirksOf('openai'))
    expect(body.messages[1].tool_calls[0].id).toBe('call_fake0')
    expect(body.messages[2].tool_call_id).toBe('call_fake0')
    expect(body).toMatchObject({ stream_options: { include_usage: true }, seed: 7, user: 'u' })
    expect(warnings).toEqual([])
  })
})

describe('DeepSeek reasoning_content', () => {
  it('a tool-call turn carries its reasoning back as reasoning_content', () => {
    const { body } = encode({ messages: toolHistory(['call_1'], 'I should look it up.') }, quirksOf('deepseek'))
    expect(body.messages[1]).toMatchObject({ role: 'assistant', reasoning_content: 'I should look it up.', tool_calls: [{ id: 'call_1' }] })
  })

  it('a turn whose reasoning the client lost still carries reasoning_content (empty), so the API does not answer 400', () => {
    const messages: HubMessage[] = [
      ...toolHistory(['call_1']),
      { role: 'assistant', content: [{ type: 'text', text: 'Sunny.' }] },
      { role: 'user', content: [{ type: 'text', text: 'thanks' }] },
    ]
    const { body } = encode({ messages }, quirksOf('deepseek'))
    const assistants = body.messages.filter((m: any) => m.role === 'assistant')
    expect(assistants).toHaveLength(2)
    for (const a of assistants) expect(a.reasoning_content).toBe('')
    // Only assistant turns: DeepSeek refuses nothing else, and user/tool messages stay plain.
    for (const m of body.messages.filter((m: any) => m.role !== 'assistant')) expect(m).not.toHaveProperty('reasoning_content')
  })

  it('redacted reasoning cannot travel as text: the field is still there, empty', () => {
    const messages: HubMessage[] = [
      { role: 'user', content: [{ type: 'text', text: 'q' }] },
      { role: 'assistant', content: [{ type: 'redacted_thinking', data: 'ENC' }, { type: 'tool_call', id: 'c1', name: 'f', arguments: '{}' }] },
      { role: 'user', content: [{ type: 'tool_result', toolCallId: 'c1', content: 'ok' }] },
    ]
    expect(encode({ messages }, quirksOf('deepseek')).body.messages[1].reasoning_content).toBe('')
  })

  it('hosts without the rule get no empty reasoning_content', () => {
    expect(encode({ messages: toolHistory(['call_1']) }, quirksOf('vllm')).body.messages[1]).not.toHaveProperty('reasoning_content')
    expect(encode({ messages: toolHistory(['call_1'], 'r') }, quirksOf('openai')).body.messages[1]).not.toHaveProperty('reasoning_content')
  })
})

describe('applyUpstreamQuirks on a pass-through body', () => {
  it('rewrites only what the host refuses and keeps every unknown field', () => {
    const body: Record<string, unknown> = {
      model: 'mistral-large-latest',
      stream: true,
      stream_options: { include_usage: true },
      seed: 3,
      vendor_field: { keep: true },
      messages: [
        { role: 'user', content: 'weather?', extra: 1 },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_xyz', type: 'function', function: { name: 'w', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 'call_xyz', content: 'sunny' },
      ],
    }
    const warnings: string[] = []
    applyUpstreamQuirks(body, quirksOf('mistral'), (w) => warnings.push(w))
    const mapped = alphanumeric9Id('call_xyz')
    expect(body).toEqual({
      model: 'mistral-large-latest',
      stream: true,
      random_seed: 3,
      vendor_field: { keep: true },
      messages: [
        { role: 'user', content: 'weather?', extra: 1 },
        { role: 'assistant', content: null, tool_calls: [{ id: mapped, type: 'function', function: { name: 'w', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: mapped, content: 'sunny' },
      ],
    })
    expect(warnings).toEqual([])
  })

  it('keeps reasoning_content a client sent back and adds the missing ones for DeepSeek', () => {
    const body = {
      messages: [
        { role: 'user', content: 'q' },
        { role: 'assistant', content: null, reasoning_content: 'kept', tool_calls: [{ id: 'a', type: 'function', function: { name: 'f', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 'a', content: 'r' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'b', type: 'function', function: { name: 'f', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 'b', content: 'r' },
      ],
    }
    applyUpstreamQuirks(body, quirksOf('deepseek'), () => {})
    expect(body.messages[1]).toMatchObject({ reasoning_content: 'kept', tool_calls: [{ id: 'a' }] })
    expect(body.messages[3]).toMatchObject({ reasoning_content: '', tool_calls: [{ id: 'b' }] })
  })

  it('no quirks: the body is untouched', () => {
    const body = { model: 'x', stream_options: { include_usage: true }, seed: 1, messages: [{ role: 'tool', tool_call_id: 'call_1', content: 'r' }] }
    const copy = structuredClone(body)
    applyUpstreamQuirks(body, {}, () => {})
    expect(body).toEqual(copy)
  })
})

describe('quirks on pass-through (an OpenAI client to an OpenAI-compatible host)', () => {
  it('adaptPassThrough changes nothing for a host without quirks, and applies Mistral’s', async () => {
    const { openaiChat } = await import('../../src/protocols/openai-chat')
    const body = {
      model: 'm',
      stream: true,
      stream_options: { include_usage: true },
      messages: [
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_abcdefghijkl', type: 'function', function: { name: 'f', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 'call_abcdefghijkl', content: 'ok' },
      ],
    }
    const warnings: string[] = []
    const ctx = (quirks: object) => ({ model: 'm', quirks, warn: (w: string) => warnings.push(w) })
    expect(openaiChat.adaptPassThrough!(body, ctx({ reasoningHistory: 'none' }))).toBeUndefined()
    const mistral = openaiChat.adaptPassThrough!(body, ctx({ toolCallIds: 'alphanumeric9', dropParams: ['stream_options'] })) as any
    expect(mistral.stream_options).toBeUndefined()
    const id = mistral.messages[0].tool_calls[0].id
    expect(id).toMatch(/^[A-Za-z0-9]{9}$/)
    expect(mistral.messages[1].tool_call_id).toBe(id)
    expect(body.messages[0]!.tool_calls![0]!.id).toBe('call_abcdefghijkl') // the client's body is left alone
  })
})
