import { describe, expect, it } from 'vitest'
import { checkToolHistory } from '../../../src/hub/check-tool-history'
import { anthropic } from '../../../src/protocols/anthropic'
import { gemini } from '../../../src/protocols/gemini'
import { toGeminiSchema } from '../../../src/protocols/gemini/to-gemini-schema'
import { listClientRequests, readClientRequest } from '../../helpers/fixtures'
import { parseSseText } from '../../helpers/streams'
import { ctx, decodeLines, encodeWith, summarize } from './helpers'

const files = listClientRequests('gemini')
const hints = { model: 'gemini-2.5-flash', stream: true }

describe('Gemini CLI requests', () => {
  it('finds the captures', () => {
    expect(files.length).toBeGreaterThanOrEqual(2)
  })

  for (const file of files) {
    const capture = readClientRequest('gemini', file)
    const body = capture.body

    it(`${file}: decodes (model and stream from the URL)`, () => {
      expect(capture.path).toBe('/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse')
      const hub = gemini.decodeRequest(body, hints)
      expect(hub.model).toBe('gemini-2.5-flash')
      expect(hub.stream).toBe(true)
      expect(hub.system.map((p) => p.text)).toEqual(body.systemInstruction.parts.map((p: any) => p.text))
      expect(hub.messages).toHaveLength(body.contents.length)
      expect(hub.temperature).toBe(1)
      expect(hub.topP).toBe(0.95)
      expect(hub.topK).toBe(64)
      expect(hub.thinking).toEqual({ enabled: true, budgetTokens: 8192 })
      // parametersJsonSchema is JSON Schema already: taken as it is.
      const declarations = body.tools.flatMap((t: any) => t.functionDeclarations)
      expect(hub.tools!.map((t) => ({ name: t.name, description: t.description, parameters: t.parameters }))).toEqual(
        declarations.map((d: any) => ({ name: d.name, description: d.description, parameters: d.parametersJsonSchema })),
      )
      expect(() => checkToolHistory(hub)).not.toThrow()
    })

    it(`${file}: re-encodes for a Gemini upstream with ids and signatures intact`, () => {
      const hub = gemini.decodeRequest(body, hints)
      const c = ctx('gemini-2.5-flash')
      const out = gemini.encodeRequest(hub, c) as any
      expect(out.model).toBeUndefined() // the model goes in the path
      expect(out.contents).toEqual(body.contents)
      expect(out.systemInstruction.parts).toEqual(body.systemInstruction.parts)
      expect(out.generationConfig).toEqual(body.generationConfig)
      const declarations = body.tools.flatMap((t: any) => t.functionDeclarations)
      expect(out.tools).toHaveLength(1)
      expect(out.tools[0].functionDeclarations.map((d: any) => d.name)).toEqual(declarations.map((d: any) => d.name))
      for (const [i, d] of declarations.entries()) {
        const sent = out.tools[0].functionDeclarations[i]
        expect(sent.description).toBe(d.description)
        expect(sent.parameters).toEqual(toGeminiSchema(d.parametersJsonSchema))
        // Only what Gemini's schema subset knows is left.
        expect(JSON.stringify(sent.parameters)).not.toMatch(/"\$schema"|"additionalProperties"/)
        expect(Object.keys(sent.parameters.properties).sort()).toEqual(Object.keys(d.parametersJsonSchema.properties).sort())
      }
      expect(c.warnings).toEqual([])
    })

    it(`${file}: its fake upstream stream reaches the client as Gemini chunks`, async () => {
      const lines = parseSseText(capture.fake_response.body.replace(/\r\n/g, '\n')).map((e) => e.data)
      const events = await decodeLines(lines)
      const frames = await encodeWith(gemini.encodeStream, events)
      const got = summarize(frames.map((f) => JSON.parse(f.data)))
      const want = summarize(lines.map((l) => JSON.parse(l)))
      expect(got.text).toBe(want.text)
      expect(got.calls.map(({ name, args }) => ({ name, args }))).toEqual(want.calls.map(({ name, args }) => ({ name, args })))
      expect(got.finishReason).toBe('STOP')
    })
  }

  it('a tool loop routed to an Anthropic upstream pairs tool_use and tool_result ids', () => {
    const body = readClientRequest('gemini', files[1]!).body
    const hub = gemini.decodeRequest(body, hints)
    const out = anthropic.encodeRequest(hub, ctx('claude-sonnet-4-5')) as any
    const uses = out.messages.flatMap((m: any) => m.content.filter((b: any) => b.type === 'tool_use'))
    const results = out.messages.flatMap((m: any) => m.content.filter((b: any) => b.type === 'tool_result'))
    expect(uses).toHaveLength(1)
    expect(uses[0]).toMatchObject({
      id: 'run_shell_command_1795248787300_0',
      name: 'run_shell_command',
      input: { command: 'echo AGENT_OK > marker.txt', description: 'Write the marker file' },
    })
    expect(results.map((r: any) => r.tool_use_id)).toEqual([uses[0].id])
    expect(results[0].content).toContain('Process Group PGID: 22304')
    // The tool_result comes in the user turn straight after the assistant's tool_use.
    const at = out.messages.findIndex((m: any) => m.content.some((b: any) => b.type === 'tool_use'))
    expect(out.messages[at].role).toBe('assistant')
    expect(out.messages[at + 1].role).toBe('user')
    expect(out.messages[at + 1].content[0].type).toBe('tool_result')
    expect(out.tools.map((t: any) => t.name)).toContain('run_shell_command')
  })
})
