/**
 * The guards on tool calls (src/interceptors/dangerous-command-guard.ts,
 * tool-loop-guard.ts, tool-access.ts) through the official SDKs, the Node adapter
 * and the fake upstream: same protocol (passed through) and translated,
 * streaming and not.
 */
import type Anthropic from '@anthropic-ai/sdk'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startGateway } from '../../adapters/node'
import { startFakeUpstream, type FakeUpstream } from './fake-upstream'
import { setup, type Setup } from './gateway-suite'

let upstream: FakeUpstream
let t: Setup
beforeAll(async () => {
  upstream = await startFakeUpstream()
  t = await setup({ upstreamUrl: upstream.url, start: (env) => startGateway(env, '127.0.0.1', 0) })
})
afterAll(async () => {
  await t?.gw.close()
  await upstream.close()
})

let sessions = 0
const newSession = () => `guards-${Date.now().toString(36)}-${sessions++}`

const BASH_PARAMS = { type: 'object' as const, properties: { command: { type: 'string' }, description: { type: 'string' } }, required: ['command'] }
const OPENAI_BASH: OpenAI.ChatCompletionTool = { type: 'function', function: { name: 'Bash', description: 'Run a shell command', parameters: BASH_PARAMS } }
const ANTHROPIC_BASH: Anthropic.Tool = { name: 'Bash', description: 'Run a shell command', input_schema: BASH_PARAMS }

interface Got {
  calls: Array<{ name: string; command: string }>
  text: string
  finish: string | null
}

/** One turn through the OpenAI SDK: the calls, text and finish reason the client got. */
async function viaOpenAI(model: string, say: string, stream: boolean, session: string): Promise<Got> {
  const params = { model, tools: [OPENAI_BASH], messages: [{ role: 'user' as const, content: say }] }
  const opts = { headers: { 'x-session-id': session } }
  const r = stream ? await t.openai.chat.completions.stream(params, opts).finalChatCompletion() : await t.openai.chat.completions.create(params, opts)
  const m = r.choices[0]!.message
  return {
    calls: (m.tool_calls ?? []).map((c) => {
      const f = (c as OpenAI.ChatCompletionMessageFunctionToolCall).function
      return { name: f.name, command: JSON.parse(f.arguments).command }
    }),
    text: m.content ?? '',
    finish: r.choices[0]!.finish_reason,
  }
}

/** One turn through the Anthropic SDK. */
async function viaAnthropic(model: string, say: string, stream: boolean, session: string): Promise<Got> {
  const params = { model, max_tokens: 256, tools: [ANTHROPIC_BASH], messages: [{ role: 'user' as const, content: say }] }
  const opts = { headers: { 'x-session-id': session } }
  const r = stream ? await t.anthropic.messages.stream(params, opts).finalMessage() : await t.anthropic.messages.create(params, opts)
  return {
    calls: r.content.flatMap((b) => (b.type === 'tool_use' ? [{ name: b.name, command: (b.input as { command: string }).command }] : [])),
    text: r.content.flatMap((b) => (b.type === 'text' ? [b.text] : [])).join(''),
    finish: r.stop_reason,
  }
}

const FRONTS = [
  { name: 'OpenAI SDK', via: viaOpenAI, toolFinish: 'tool_calls', stopFinish: 'stop' },
  { name: 'Anthropic SDK', via: viaAnthropic, toolFinish: 'tool_use', stopFinish: 'end_turn' },
] as const
const BACKENDS = [
  { id: 'openai', model: 'openai:gpt-test' },
  { id: 'anthropic', model: 'anthropic:claude-test' },
] as const

describe('dangerous-command guard through the SDKs', () => {
  for (const front of FRONTS)
    for (const backend of BACKENDS)
      for (const stream of [false, true]) {
        const how = `${front.name} → ${backend.id}${(front.name === 'OpenAI SDK') === (backend.id === 'openai') ? ' (pass-through)' : ''}, ${stream ? 'streaming' : 'JSON'}`
        it(`${how}: git reset --hard is blocked, git status in the same answer delivered`, async () => {
          const got = await front.via(backend.model, 'Please run `git reset --hard` and `git status`', stream, newSession())
          expect(got.calls).toEqual([{ name: 'Bash', command: 'git status' }])
          expect(got.text).toContain('[gateway] Blocked: the Bash call `git reset --hard` was not delivered')
          expect(got.text).toContain('ask the user to run it themselves')
          expect(got.finish).toBe(front.toolFinish)
        })
        it(`${how}: a lone destructive call is replaced by text and a normal finish; ls goes through untouched`, async () => {
          const session = newSession()
          const blocked = await front.via(backend.model, "Please run `bash -lc 'rm -rf build'`", stream, session)
          expect(blocked.calls).toEqual([])
          expect(blocked.text).toContain('rm -rf build')
          expect(blocked.finish).toBe(front.stopFinish)
          const ls = await front.via(backend.model, 'Please run `ls -la`', stream, session)
          expect(ls).toEqual({ calls: [{ name: 'Bash', command: 'ls -la' }], text: '', finish: front.toolFinish })
        })
      }

  it('after 3 blocked calls the session is stopped, without upstream calls, until !/set(dangerous-command-guard=…) lifts it', async () => {
    const session = newSession()
    for (let i = 0; i < 3; i++) {
      const got = await viaOpenAI('openai:gpt-test', `Please run \`git push --force origin b${i}\``, false, session)
      expect(got.calls).toEqual([])
    }
    const before = (await t.upstream()).length
    const stopped = await viaAnthropic('anthropic:claude-test', 'Please run `ls`', true, session)
    expect(stopped.calls).toEqual([])
    expect(stopped.text).toContain('stopped this session')
    expect(stopped.text).toContain('!/set(dangerous-command-guard=true)')
    expect((await t.upstream()).length).toBe(before)
    // The user answers with !/set (handled by the commands interceptor), and the session goes on.
    const set = await viaOpenAI('openai:gpt-test', '!/set(dangerous-command-guard=true)', false, session)
    expect(set.calls).toEqual([])
    expect((await viaAnthropic('anthropic:claude-test', 'Please run `ls`', false, session)).calls).toEqual([{ name: 'Bash', command: 'ls' }])
    expect((await viaOpenAI('openai:gpt-test', 'Please run `git reset --hard`', true, session)).text).toContain('[gateway] Blocked')
    // Another session is not affected.
    expect((await viaOpenAI('openai:gpt-test', 'Please run `ls`', false, newSession())).calls).toEqual([{ name: 'Bash', command: 'ls' }])
  })
})

describe('tool-loop guard through the SDKs', () => {
  /** A Claude Code-like history: the same Bash call with the same result, `n` times. */
  const anthropicHistory = (n: number): Anthropic.MessageParam[] => [
    { role: 'user', content: 'Make the tests pass' },
    ...Array.from({ length: n }, (_, i): Anthropic.MessageParam[] => [
      { role: 'assistant', content: [{ type: 'tool_use', id: `toolu_loop${i}`, name: 'Bash', input: { command: 'npm test', description: 'Run tests' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: `toolu_loop${i}`, content: 'FAIL src/app.test.ts (3 failed)' }] },
    ]).flat(),
  ]
  const openaiHistory = (n: number): OpenAI.ChatCompletionMessageParam[] => [
    { role: 'user', content: 'Make the tests pass' },
    ...Array.from({ length: n }, (_, i): OpenAI.ChatCompletionMessageParam[] => [
      { role: 'assistant', content: null, tool_calls: [{ id: `call_loop${i}`, type: 'function', function: { name: 'Bash', arguments: '{"command":"npm test"}' } }] },
      { role: 'tool', tool_call_id: `call_loop${i}`, content: 'FAIL src/app.test.ts (3 failed)' },
    ]).flat(),
  ]

  for (const stream of [false, true])
    it(`Anthropic SDK → anthropic (pass-through), ${stream ? 'streaming' : 'JSON'}: steering at the 7th repeat, 409 at the 8th`, async () => {
      const session = newSession()
      const send = (n: number) => {
        const params = { model: 'anthropic:claude-test', max_tokens: 256, tools: [ANTHROPIC_BASH], messages: anthropicHistory(n) }
        const opts = { headers: { 'x-session-id': session } }
        return stream ? t.anthropic.messages.stream(params, opts).finalMessage() : t.anthropic.messages.create(params, opts)
      }
      for (let n = 1; n <= 6; n++) await send(n)
      const seen = (await t.upstream()).length
      await send(7)
      const log = await t.upstream()
      expect(log.length).toBe(seen + 1)
      const last = log.at(-1)!.body.messages.at(-1)
      expect(last.role).toBe('user')
      expect(last.content[0]).toMatchObject({ type: 'tool_result', tool_use_id: 'toolu_loop6' })
      expect(last.content.at(-1).text).toContain('same tool call (Bash with the same arguments) 7 times in a row')
      const err = await send(8).then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(err).toBeInstanceOf(Error)
      expect((err as { status: number }).status).toBe(409)
      expect((err as { error: any }).error).toMatchObject({ type: 'error', error: { message: expect.stringContaining('tool-call loop') } })
      expect((await t.upstream()).length).toBe(seen + 1)
      // The user writes after the results: the conversation goes on (the session was not saved by the refused request).
      const history = anthropicHistory(8)
      const newest = history.at(-1)! as { content: Anthropic.ContentBlockParam[] }
      newest.content.push({ type: 'text', text: 'Stop running the tests; read the failing one first.' })
      const params = { model: 'anthropic:claude-test', max_tokens: 256, tools: [ANTHROPIC_BASH], messages: history }
      const opts = { headers: { 'x-session-id': session } }
      const goOn = stream ? await t.anthropic.messages.stream(params, opts).finalMessage() : await t.anthropic.messages.create(params, opts)
      expect(goOn.stop_reason).toBe('end_turn')
      expect((await t.upstream()).length).toBe(seen + 2)
    })

  for (const stream of [false, true])
    it(`OpenAI SDK → anthropic (translated), ${stream ? 'streaming' : 'JSON'}: steering at the 7th repeat, 409 at the 8th`, async () => {
      const session = newSession()
      const send = (n: number) => {
        const params = { model: 'anthropic:claude-test', tools: [OPENAI_BASH], messages: openaiHistory(n) }
        const opts = { headers: { 'x-session-id': session } }
        return stream ? t.openai.chat.completions.stream(params, opts).finalChatCompletion() : t.openai.chat.completions.create(params, opts)
      }
      for (let n = 1; n <= 6; n++) await send(n)
      await send(7)
      const last = (await t.upstream()).at(-1)!.body.messages.at(-1)
      expect(JSON.stringify(last.content)).toContain('7 times in a row')
      const err = await send(8).then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(err).toBeInstanceOf(OpenAI.APIError)
      expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(409)
      expect((err as InstanceType<typeof OpenAI.APIError>).message).toContain('tool-call loop')
    })
})

describe('tool access through the SDKs', () => {
  it('TOOLS_DENY: the denied tool never reaches the upstream (OpenAI SDK → anthropic, Anthropic SDK → anthropic)', async () => {
    const u = await startFakeUpstream()
    const g = await setup({ upstreamUrl: u.url, start: (env) => startGateway(env, '127.0.0.1', 0) }, { TOOLS_DENY: 'Bash,mcp__*' })
    try {
      const weather = { type: 'object' as const, properties: { city: { type: 'string' } } }
      await g.openai.chat.completions.create({
        model: 'anthropic:claude-test',
        tools: [OPENAI_BASH, { type: 'function', function: { name: 'get_weather', parameters: weather } }, { type: 'function', function: { name: 'mcp__x__y', parameters: weather } }],
        messages: [{ role: 'user', content: 'Please run `git status`' }],
      })
      await g.anthropic.messages.create({
        model: 'anthropic:claude-test',
        max_tokens: 100,
        tools: [ANTHROPIC_BASH, { name: 'get_weather', input_schema: weather }],
        messages: [{ role: 'user', content: 'Please run `git status`' }],
      })
      const log = await g.upstream()
      expect(log.map((r) => r.body.tools.map((x: { name: string }) => x.name))).toEqual([['get_weather'], ['get_weather']])
    } finally {
      await g.gw.close()
      await u.close()
    }
  })
})
