import { describe, expect, it } from 'vitest'
import { openaiChat } from '../../../src/protocols/openai-chat'
import { listClientRequests, readClientRequest } from '../../helpers/fixtures'
import { context } from './helpers'

const CLIENT = 'opencode-chat-completions'

describe('opencode Chat Completions requests', () => {
  const files = listClientRequests(CLIENT)
  it('has captures to replay', () => expect(files.length).toBeGreaterThan(0))

  for (const file of files) {
    it(`${file} decodes and re-encodes`, () => {
      const body = readClientRequest(CLIENT, file).body
      const hub = openaiChat.decodeRequest(body)

      expect(hub.model).toBe(body.model)
      expect(hub.stream).toBe(body.stream === true)
      expect(hub.streamUsage).toBe(body.stream_options?.include_usage === true)
      expect(hub.maxTokens).toBe(body.max_completion_tokens ?? body.max_tokens)

      const leadingSystem = body.messages.filter((m: any) => m.role === 'system')
      expect(hub.system.map((p) => p.text)).toEqual(leadingSystem.map((m: any) => m.content))

      const ctx = context({ reasoningHistory: 'none' }, body.model)
      const out = openaiChat.encodeRequest(hub, ctx) as any
      expect(ctx.warnings).toEqual([])
      expect(out.model).toBe(body.model)
      expect(out.max_tokens).toBe(body.max_tokens)
      if (body.stream) expect(out.stream_options).toEqual({ include_usage: true })
      if (body.tool_choice) expect(out.tool_choice).toBe(body.tool_choice)

      // The conversation survives: same roles, same text, same tool calls and results.
      expect(out.messages).toHaveLength(body.messages.length)
      body.messages.forEach((m: any, i: number) => {
        const o = out.messages[i]
        expect(o.role).toBe(m.role)
        expect(o.content).toEqual(m.content)
        if (m.tool_calls) expect(o.tool_calls).toEqual(m.tool_calls)
        if (m.role === 'tool') expect(o.tool_call_id).toBe(m.tool_call_id)
      })

      // Tools come back unchanged (name, description, parameters).
      expect(out.tools).toEqual(body.tools)
    })
  }

  it('03 carries an assistant tool call and its tool result through the hub', () => {
    const hub = openaiChat.decodeRequest(readClientRequest(CLIENT, '03-v1-chat-completions.json').body)
    const assistant = hub.messages.find((m) => m.role === 'assistant')!
    const call = assistant.content.find((p) => p.type === 'tool_call')
    expect(call).toMatchObject({ type: 'tool_call', id: 'call_1b18836875ffcf915c7433ad', name: 'bash' })
    expect(JSON.parse((call as any).arguments)).toEqual({ command: 'echo AGENT_OK > marker.txt' })
    const result = hub.messages.at(-1)!
    expect(result.role).toBe('user')
    expect(result.content).toEqual([
      { type: 'tool_result', toolCallId: 'call_1b18836875ffcf915c7433ad', content: '(no output)' },
    ])
    expect(hub.tools?.map((t) => t.name)).toContain('bash')
  })
})
