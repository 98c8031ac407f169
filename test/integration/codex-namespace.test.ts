import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startGateway } from '../../adapters/node'
import { readClientRequest } from '../helpers/fixtures'
import { startFakeUpstream, type FakeUpstream } from './fake-upstream'
import { setup, type Setup } from './gateway-suite'

/**
 * The newest Codex (tools in `additional_tools` namespaces, its shell the custom
 * tool `exec` in namespace `functions`) through Anthropic, Gemini and OpenAI Chat
 * back ends, with the official `openai` SDK's Responses client: what the upstream
 * received, and the namespaced call Codex gets back, streaming and not.
 * test/fixtures/clients/codex-namespace/README.md says how the requests were built.
 */
let upstream: FakeUpstream
beforeAll(async () => {
  upstream = await startFakeUpstream()
})
afterAll(() => upstream.close())
const target = () => ({ upstreamUrl: upstream.url, start: (env: Record<string, string>) => startGateway(env, '127.0.0.1', 0) })

const fixture = (file: string) => structuredClone(readClientRequest('codex-namespace', file).body)
const COMMAND = 'echo AGENT_OK > marker.txt'
const PORTABLE = /^[a-zA-Z0-9_-]{1,64}$/
const FLAT_NAMES = ['exec', 'wait', 'apply_patch', 'mcp__docs__search']

async function withGateway(fn: (t: Setup) => Promise<void>) {
  const t = await setup(target())
  try {
    await fn(t)
  } finally {
    await t.gw.close()
  }
}

/** One Responses call through the SDK, as Codex makes it (streamed) or not. */
async function respond(t: Setup, body: any, stream: boolean): Promise<any> {
  if (stream) return t.openai.responses.stream({ ...body, stream: true }).finalResponse()
  return t.openai.responses.create({ ...body, stream: false })
}

/** The tool names and the exec tool's schema an upstream was offered, in its own wire form. */
function offered(backend: string, body: any): { names: string[]; exec: any; wait: any } {
  if (backend === 'anthropic') {
    const by = (n: string) => body.tools.find((t: any) => t.name === n)
    return { names: body.tools.map((t: any) => t.name), exec: by('exec').input_schema, wait: by('wait').input_schema }
  }
  if (backend === 'gemini') {
    const decls = body.tools.flatMap((t: any) => t.functionDeclarations ?? [])
    const by = (n: string) => decls.find((d: any) => d.name === n)
    const schema = (d: any) => d.parametersJsonSchema ?? d.parameters
    return { names: decls.map((d: any) => d.name), exec: schema(by('exec')), wait: schema(by('wait')) }
  }
  const by = (n: string) => body.tools.find((t: any) => t.function.name === n).function
  return { names: body.tools.map((t: any) => t.function.name), exec: by('exec').parameters, wait: by('wait').parameters }
}

const BACKENDS = [
  ['anthropic', 'anthropic:claude-test'],
  ['gemini', 'gemini:gemini-test'],
  ['openai-chat', 'openai:gpt-test'],
] as const

describe('newest Codex: namespace tools through every back end', () => {
  for (const [backend, model] of BACKENDS)
    for (const stream of [false, true]) {
      it(`${backend}, ${stream ? 'streaming' : 'JSON'}: the upstream gets every tool under a portable name, Codex gets custom_tool_call exec in namespace functions`, async () =>
        withGateway(async (t) => {
          const res = await respond(t, { ...fixture('01-v1-responses.json'), model }, stream)
          const [req] = await t.upstream()
          const tools = offered(backend, req.body)
          expect(tools.names).toEqual(FLAT_NAMES)
          for (const name of tools.names) expect(name).toMatch(PORTABLE)
          // The custom exec tool is a function with one string argument; wait keeps its declared schema.
          expect(tools.exec).toMatchObject({ properties: { input: { type: expect.stringMatching(/^string$/i) } }, required: ['input'] })
          expect(JSON.stringify(tools.wait)).toContain('cell_id')
          expect(JSON.stringify(req.body)).not.toContain('"namespace"')
          expect(JSON.stringify(req.body)).not.toContain('additional_tools')

          const calls = res.output.filter((i: any) => i.type === 'custom_tool_call' || i.type === 'function_call')
          expect(calls).toEqual([
            expect.objectContaining({ type: 'custom_tool_call', name: 'exec', namespace: 'functions', input: COMMAND, call_id: expect.any(String) }),
          ])
          expect(calls[0].id).toMatch(/^ctc_/)
          expect(res.id).toMatch(/^resp_/)
        }))

      it(`${backend}, ${stream ? 'streaming' : 'JSON'}: turn 2 sends the exec call and its text + image output as the back end's tool call and result`, async () =>
        withGateway(async (t) => {
          const b = fixture('02-v1-responses.json')
          const res = await respond(t, { ...b, model }, stream)
          expect(res.status).toBe('completed')
          const [req] = await t.upstream()
          const sent = JSON.stringify(req.body)
          const call = b.input.find((i: any) => i.type === 'custom_tool_call')
          if (backend === 'anthropic') {
            const use = req.body.messages.flatMap((m: any) => (Array.isArray(m.content) ? m.content : [])).find((c: any) => c.type === 'tool_use')
            expect(use).toMatchObject({ id: call.call_id, name: 'exec', input: { input: call.input } })
            const result = req.body.messages.at(-1).content.find((c: any) => c.type === 'tool_result')
            expect(result.tool_use_id).toBe(call.call_id)
            expect(result.content.map((c: any) => c.type)).toEqual(['text', 'image'])
            expect(res.output_text).toContain('Tool said: Script completed')
          } else if (backend === 'gemini') {
            const parts = req.body.contents.flatMap((c: any) => c.parts)
            expect(parts.find((p: any) => p.functionCall).functionCall).toMatchObject({ name: 'exec', args: { input: call.input } })
            expect(parts.find((p: any) => p.functionResponse).functionResponse).toMatchObject({ name: 'exec' })
            expect(parts.some((p: any) => p.inlineData?.mimeType === 'image/png')).toBe(true)
            expect(res.output_text).toContain('Tool said: Script completed')
          } else {
            const assistant = req.body.messages.find((m: any) => m.tool_calls)
            expect(assistant.tool_calls[0]).toMatchObject({ id: call.call_id, function: { name: 'exec' } })
            expect(JSON.parse(assistant.tool_calls[0].function.arguments)).toEqual({ input: call.input })
            const tool = req.body.messages.find((m: any) => m.role === 'tool')
            expect(tool.tool_call_id).toBe(call.call_id)
            expect(JSON.stringify(tool.content)).toContain('Script completed')
            // Tool messages carry text only: the image follows in a user message.
            expect(sent).toContain('data:image/png;base64,')
          }
        }))
    }
})

describe('newest Codex to an OpenAI Responses back end', () => {
  it('passes through unchanged: additional_tools, namespaces and the content-list output as Codex sent them', async () =>
    withGateway(async (t) => {
      const b = fixture('02-v1-responses.json')
      const res = await respond(t, { ...b, model: 'openai-responses:gpt-5.5' }, true)
      expect(res.status).toBe('completed')
      const [req] = await t.upstream()
      expect(req.path).toBe('/v1/responses')
      // All of it as Codex sent it, but its session id (prompt_cache_key): the upstream gets the gateway's.
      expect(req.body).toEqual({ ...b, model: 'gpt-5.5', stream: true, prompt_cache_key: expect.stringMatching(/^s_[0-9a-f]{16}$/) })
    }))
})

describe('newest Codex completes a shell task through an Anthropic upstream (call, then result)', () => {
  for (const stream of [false, true])
    it(stream ? 'streaming' : 'JSON', async () =>
      withGateway(async (t) => {
        const model = 'anthropic:claude-test'
        const first = fixture('01-v1-responses.json')
        const turn1 = await respond(t, { ...first, model }, stream)
        const call = turn1.output.find((i: any) => i.type === 'custom_tool_call')
        expect(call).toMatchObject({ name: 'exec', namespace: 'functions', input: COMMAND })

        // Codex runs the command and sends the whole history back, with the output as content parts.
        const second = {
          ...first,
          model,
          input: [
            ...first.input,
            ...turn1.output,
            { type: 'custom_tool_call_output', call_id: call.call_id, name: 'exec', output: [{ type: 'input_text', text: 'AGENT_OK written, exit code 0' }] },
          ],
        }
        const turn2 = await respond(t, second, stream)
        expect(turn2.status).toBe('completed')
        expect(turn2.output_text).toBe('Tool said: AGENT_OK written, exit code 0')

        const [, req2] = await t.upstream()
        const use = req2.body.messages.flatMap((m: any) => (Array.isArray(m.content) ? m.content : [])).find((c: any) => c.type === 'tool_use')
        expect(use).toMatchObject({ id: call.call_id, name: 'exec', input: { input: COMMAND } })
        expect(req2.body.tools.map((x: any) => x.name)).toEqual(FLAT_NAMES)
      }))
})
