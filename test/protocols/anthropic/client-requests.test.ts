import { describe, expect, it } from 'vitest'
import { anthropic } from '../../../src/protocols/anthropic'
import type { EncodeRequestContext } from '../../../src/protocols/types'
import { parseSse } from '../../../src/sse/parse'
import { listClientRequests, readClientRequest } from '../../helpers/fixtures'
import { collect, parseSseText } from '../../helpers/streams'
import { rebuild } from './anthropic-sse'

const files = listClientRequests('claude')

function ctx(model = 'claude-upstream'): EncodeRequestContext & { warnings: string[] } {
  const warnings: string[] = []
  return { model, quirks: {}, warn: (m) => warnings.push(m), warnings }
}

describe('Claude Code requests', () => {
  it('finds the captures', () => {
    expect(files.length).toBeGreaterThanOrEqual(2)
  })

  for (const file of files) {
    const body = readClientRequest('claude', file).body

    it(`${file}: decodes and re-encodes for an Anthropic upstream`, () => {
      const hub = anthropic.decodeRequest(body)
      expect(hub.model).toBe(body.model)
      expect(hub.stream).toBe(true)
      expect(hub.maxTokens).toBe(body.max_tokens)
      expect(hub.userId).toBe(body.metadata.user_id)
      expect(hub.thinking).toEqual({ enabled: true, adaptive: true, effort: 'medium' })
      expect(hub.system.map((p) => p.text)).toEqual(body.system.map((b: any) => b.text))
      expect(hub.system.filter((p) => p.cacheControl)).toHaveLength(
        body.system.filter((b: any) => b.cache_control).length,
      )
      expect(hub.tools?.map((t) => t.name)).toEqual(body.tools.map((t: any) => t.name))

      const c = ctx()
      const out = anthropic.encodeRequest(hub, c) as Record<string, any>
      expect(out.model).toBe('claude-upstream')
      expect(out.system).toEqual(
        body.system.map((b: any) => (b.cache_control ? { type: 'text', text: b.text, cache_control: b.cache_control } : { type: 'text', text: b.text })),
      )
      expect(out.max_tokens).toBe(body.max_tokens)
      expect(out.thinking).toEqual({ type: 'adaptive' })
      expect(out.output_config).toEqual({ effort: 'medium' })
      expect(out.metadata).toEqual({ user_id: body.metadata.user_id })
      expect(out.stream).toBe(true)
      expect(out.tools).toEqual(
        body.tools.map((t: any) => ({ name: t.name, description: t.description, input_schema: t.input_schema })),
      )
      // Same turns, same roles (a mid-conversation system message stays in place).
      expect(out.messages.map((m: any) => m.role)).toEqual(body.messages.map((m: any) => m.role))
      expect(c.warnings).toEqual([])
    })
  }

  it('keeps the tool_use / tool_result pair with is_error and cache_control', () => {
    const body = readClientRequest('claude', '02-v1-messages.json').body
    const hub = anthropic.decodeRequest(body)
    const out = anthropic.encodeRequest(hub, ctx()) as Record<string, any>
    const assistant = out.messages.find((m: any) => m.role === 'assistant')
    expect(assistant.content).toEqual(body.messages.find((m: any) => m.role === 'assistant').content)
    const last = out.messages.at(-1)
    expect(last.content).toEqual([
      {
        type: 'tool_result',
        tool_use_id: 'toolu_30e5f29ae1a4820ceee97da5',
        content: '(Bash completed with no output)',
        is_error: false,
        cache_control: { type: 'ephemeral' },
      },
    ])
    const system = out.messages.find((m: any) => m.role === 'system')
    expect(system.content[0].text).toMatch(/^# Environment/)
  })

  it('relays the captured SSE answers byte stream → hub → SSE without loss', async () => {
    for (const file of files) {
      const capture = readClientRequest('claude', file)
      const bytes = new Response(capture.fake_response.body).body!
      const hub = parseSse(bytes).pipeThrough(anthropic.decodeStream())
      const out = await collect(hub.pipeThrough(anthropic.encodeStream(anthropic.decodeRequest(capture.body))))
      const relayed = rebuild(parseSseText(new TextDecoder().decode(Buffer.concat(out))), true)
      const original = rebuild(parseSseText(capture.fake_response.body), false)
      expect(relayed.text).toBe(original.text)
      expect(relayed.tools).toEqual(original.tools)
      expect(relayed.stopReason).toBe(original.stopReason)
      expect(relayed.usage).toEqual(original.usage)
      if (capture.fake_reply.kind === 'tool') expect(relayed.tools[0]?.input).toEqual(capture.fake_reply.args)
      else expect(relayed.text).toBe(capture.fake_reply.text)
    }
  })
})
