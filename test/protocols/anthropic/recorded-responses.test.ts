import { describe, expect, it } from 'vitest'
import { GatewayError } from '../../../src/hub/errors'
import type { HubRequest } from '../../../src/hub/request'
import { anthropic } from '../../../src/protocols/anthropic'
import { listRecorded, readRecordedJson } from '../../helpers/fixtures'

const req: HubRequest = { model: 'claude-test', system: [], messages: [], stream: false }
const files = listRecorded('anthropic', '.json')

type Block = Record<string, any>
const byType = (content: Block[], type: string) => content.filter((b) => b.type === type)

describe('recorded Anthropic responses: decodeResponse → encodeResponse', () => {
  it('finds the recordings', () => {
    expect(files.length).toBeGreaterThan(25)
  })

  for (const file of files) {
    const original = readRecordedJson('anthropic', file)

    if (original.type !== 'message') {
      it(`${file}: not a message → a clean bad_gateway error`, () => {
        let caught: unknown
        try {
          anthropic.decodeResponse(original)
        } catch (err) {
          caught = err
        }
        expect(caught).toBeInstanceOf(GatewayError)
        expect((caught as GatewayError).kind).toBe('bad_gateway')
      })
      continue
    }

    it(`${file}: nothing the hub models is lost`, () => {
      const hub = anthropic.decodeResponse(original)
      const out = anthropic.encodeResponse(hub, req) as Block
      const orig = original.content as Block[]
      const got = out.content as Block[]

      expect(out.id).toBe(original.id)
      expect(out.type).toBe('message')
      expect(out.model).toBe(original.model)
      // Every block survives, in order (empty text blocks are the only ones dropped).
      expect(got.map((b) => b.type)).toEqual(orig.filter((b) => !(b.type === 'text' && b.text === '')).map((b) => b.type))
      expect(byType(got, 'text').map((b) => b.text)).toEqual(
        byType(orig, 'text').filter((b) => b.text !== '').map((b) => b.text),
      )
      expect(byType(got, 'thinking')).toEqual(
        byType(orig, 'thinking').map((b) => ({ type: 'thinking', thinking: b.thinking, signature: b.signature })),
      )
      expect(byType(got, 'redacted_thinking').map((b) => b.data)).toEqual(byType(orig, 'redacted_thinking').map((b) => b.data))
      expect(byType(got, 'tool_use').map(({ id, name, input }) => ({ id, name, input }))).toEqual(
        byType(orig, 'tool_use').map(({ id, name, input }) => ({ id, name, input })),
      )
      // Server-side blocks come back unchanged.
      const isServer = (b: Block) => !['text', 'thinking', 'redacted_thinking', 'tool_use'].includes(b.type)
      expect(got.filter(isServer)).toEqual(orig.filter(isServer))

      expect(out.stop_reason).toBe(original.stop_reason)
      expect(out.stop_sequence).toBe(original.stop_sequence ?? null)
      const u = original.usage
      expect(out.usage).toEqual({
        input_tokens: u.input_tokens,
        output_tokens: u.output_tokens,
        cache_read_input_tokens: u.cache_read_input_tokens ?? 0,
        cache_creation_input_tokens: u.cache_creation_input_tokens ?? 0,
      })
    })
  }

  it('maps server-tool blocks to native parts and keeps the text around them', () => {
    const hub = anthropic.decodeResponse(readRecordedJson('anthropic', 'anthropic-web-search-tool.1.json'))
    const natives = hub.content.filter((p) => p.type === 'native')
    expect(natives.map((p) => p.type === 'native' && p.label)).toContain('content block "web_search_tool_result"')
    expect(natives.every((p) => p.type === 'native' && p.protocol === 'anthropic')).toBe(true)
    expect(hub.content.filter((p) => p.type === 'text').length).toBeGreaterThan(3)
  })

  it('maps a refusal with no content to content_filter and back', () => {
    const hub = anthropic.decodeResponse(readRecordedJson('anthropic', 'anthropic-refusal.json'))
    expect(hub.finishReason).toBe('content_filter')
    expect(hub.content).toEqual([])
    expect((anthropic.encodeResponse(hub, req) as Block).stop_reason).toBe('refusal')
  })

  it('keeps a thinking signature byte for byte', () => {
    const original = readRecordedJson('anthropic', 'anthropic-claude-opus-5-reasoning-high.1.json')
    const hub = anthropic.decodeResponse(original)
    const thinking = hub.content.find((p) => p.type === 'thinking')
    expect(thinking).toMatchObject({ signature: original.content[0].signature })
    const out = anthropic.encodeResponse(hub, req) as Block
    expect(out.content[0].signature).toBe(original.content[0].signature)
  })
})
