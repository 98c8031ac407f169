import { describe, expect, it } from 'vitest'
import type { HubMessage } from '../../src/hub/request'
import { sessionCommands } from '../../src/interceptors/session-commands'
import { sessionOverrides } from '../../src/interceptors/session-overrides'
import type { SessionData } from '../../src/interceptors/types'
import type { ProtocolId } from '../../src/protocols/types'
import { commandRuntime } from './commands/context'
import { fakeSession, requestTurn } from './turns'

/** Roles and text of hub messages, other parts by type. */
const shape = (messages: HubMessage[]) => messages.map((m) => [m.role, m.content.map((c) => (c.type === 'text' ? c.text : c.type)).join(' + ')])

function turnOf(front: ProtocolId, body: Record<string, unknown>, o: { env?: Record<string, string>; data?: SessionData } = {}) {
  const rt = commandRuntime(o.env)
  const session = fakeSession(o.data ?? {})
  const turn = requestTurn(front, body, { rt, session })
  let decoded = 0
  const hub = turn.hub
  turn.hub = () => (decoded++, hub())
  return { turn, session, decoded: () => decoded }
}

const chat = (...messages: Array<[string, string]>) => ({ model: 'gpt-4.1', messages: messages.map(([role, content]) => ({ role, content })) })

describe('session-commands: the last user message', () => {
  it('does not decode a body without the prefix', () => {
    const { turn, decoded } = turnOf('openai-chat', chat(['user', 'hello there, run ! / this']))
    sessionCommands.request!(turn)
    expect(decoded()).toBe(0)
    expect(turn.wasChanged).toBe(false)
    expect(turn.replied).toBeUndefined()
  })

  it('a message that is only a command is answered by the gateway, in the session prefix', () => {
    const { turn, session } = turnOf('openai-chat', chat(['user', '!/model(anthropic:claude-sonnet-4-5)']))
    sessionCommands.request!(turn)
    expect(turn.replied).toContain('Set for this session: model = anthropic:claude-sonnet-4-5')
    expect(session.data.settings).toEqual({ model: 'anthropic:claude-sonnet-4-5' })
    expect(session.touched).toBe(1)
  })

  it('a command after other text runs, is cut out, and the rest goes upstream with a note', () => {
    const { turn, session } = turnOf('openai-chat', chat(['user', 'Summarise this file.\n\nplease !/temperature(0.3)']))
    sessionCommands.request!(turn)
    expect(turn.replied).toBeUndefined()
    expect(turn.wasChanged).toBe(true)
    expect(shape(turn.hub().messages)).toEqual([['user', 'Summarise this file.\n\nplease']])
    expect(session.data.settings).toEqual({ temperature: 0.3 })
    expect(turn.warnings).toEqual(['!/temperature(0.3): Set for this session: temperature = 0.3.'])
  })

  it('a failing command after other text is cut out too; the note says what was wrong', () => {
    const { turn, session } = turnOf('openai-chat', chat(['user', 'do it !/temperature(9)']))
    sessionCommands.request!(turn)
    expect(turn.replied).toBeUndefined()
    expect(shape(turn.hub().messages)).toEqual([['user', 'do it']])
    expect(turn.warnings[0]).toContain('!/temperature: must be a number from 0 to 2, got "9"')
    expect(session.data.settings).toBeUndefined()
  })

  it('an unknown command alone gets a reply saying so', () => {
    const { turn } = turnOf('anthropic', { model: 'claude-sonnet-4-5', max_tokens: 64, messages: [{ role: 'user', content: '!/frob' }] })
    sessionCommands.request!(turn)
    expect(turn.replied).toBe('Unknown command !/frob. Type !/help for the list.')
  })

  it('a command that is not at the tail is left alone', () => {
    for (const text of ['!/help me with this', '!/model(a:b)\nthen do this', 'x!/help']) {
      const { turn } = turnOf('openai-chat', chat(['user', text]))
      sessionCommands.request!(turn)
      expect(turn.replied).toBeUndefined()
      expect(turn.wasChanged).toBe(false)
      expect(shape(turn.hub().messages)).toEqual([['user', text]])
    }
  })

  it('looks only at the last text part of the last user message; a message of tool results runs nothing', () => {
    const body = {
      model: 'claude-sonnet-4-5',
      max_tokens: 64,
      messages: [
        { role: 'user', content: 'list files' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'ls', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'see !/help' }] },
      ],
    }
    const { turn } = turnOf('anthropic', body)
    sessionCommands.request!(turn)
    expect(turn.replied).toBeUndefined()
    expect(turn.wasChanged).toBe(false)
  })

  it('a command after tool results runs and is cut; the results still go upstream', () => {
    const body = {
      model: 'claude-sonnet-4-5',
      max_tokens: 64,
      messages: [
        { role: 'user', content: 'list files' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'ls', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'a.txt' }, { type: 'text', text: '!/low' }] },
      ],
    }
    const { turn, session } = turnOf('anthropic', body)
    sessionCommands.request!(turn)
    expect(turn.replied).toBeUndefined()
    expect(turn.wasChanged).toBe(true)
    expect(shape(turn.hub().messages).at(-1)).toEqual(['user', 'tool_result'])
    expect(session.data.settings).toEqual({ 'reasoning-effort': 'low' })
  })

  it('Claude Code’s reminders beside a command still make it a command-only message', () => {
    const body = {
      model: 'claude-sonnet-4-5',
      max_tokens: 64,
      messages: [{ role: 'user', content: [{ type: 'text', text: '<system-reminder>\nCLAUDE.md says…\n</system-reminder>' }, { type: 'text', text: '!/session' }] }],
    }
    const { turn } = turnOf('anthropic', body)
    sessionCommands.request!(turn)
    expect(turn.replied).toContain('Session sess-1')
  })

  it('finds the prefix as JSON encoders may escape it', () => {
    const { turn } = turnOf('openai-chat', chat(['user', '!/hello']))
    ;(turn as { text: string }).text = turn.text.replace('!/', '!\\/')
    sessionCommands.request!(turn)
    expect(turn.replied).toContain('This is session sess-1')
  })
})

describe('session-commands: prefixes', () => {
  it('COMMAND_PREFIX replaces !/', () => {
    const a = turnOf('openai-chat', chat(['user', '##hello']), { env: { COMMAND_PREFIX: '##' } })
    sessionCommands.request!(a.turn)
    expect(a.turn.replied).toContain('Type ##help')
    const b = turnOf('openai-chat', chat(['user', '!/hello']), { env: { COMMAND_PREFIX: '##' } })
    sessionCommands.request!(b.turn)
    expect(b.turn.replied).toBeUndefined()
    expect(b.decoded()).toBe(0)
  })

  it('a session’s command-prefix replaces the gateway’s; history in the old prefix is still scrubbed', () => {
    const { turn } = turnOf('openai-chat', chat(['user', '!/set(command-prefix=%%)'], ['assistant', 'Set for this session: …'], ['user', 'go on %%max']), {
      data: { settings: { 'command-prefix': '%%' } },
    })
    sessionCommands.request!(turn)
    expect(shape(turn.hub().messages)).toEqual([['user', 'go on']])
    expect(turn.warnings[0]).toContain('%%max: Set for this session: reasoning-effort = high.')
  })

  it('after changing the prefix, the old one runs nothing', () => {
    const { turn } = turnOf('openai-chat', chat(['user', '!/hello']), { data: { settings: { 'command-prefix': '%%' } } })
    sessionCommands.request!(turn)
    expect(turn.replied).toBeUndefined()
    expect(shape(turn.hub().messages)).toEqual([['user', '!/hello']])
  })
})

describe('session-commands: history never reaches an upstream', () => {
  // The same conversation in each protocol: a command-only exchange, a command after text, then the new message.
  const history: Array<[ProtocolId, Record<string, unknown>]> = [
    [
      'openai-chat',
      chat(
        ['user', 'hi'],
        ['assistant', 'hello'],
        ['user', '!/model(anthropic:claude-sonnet-4-5)'],
        ['assistant', 'Set for this session: model = anthropic:claude-sonnet-4-5.'],
        ['user', 'write a poem !/temperature(0.9)'],
        ['assistant', 'roses'],
        ['user', 'another'],
      ),
    ],
    [
      'anthropic',
      {
        model: 'claude-sonnet-4-5',
        max_tokens: 64,
        messages: [
          { role: 'user', content: 'hi' },
          { role: 'assistant', content: [{ type: 'text', text: 'hello' }] },
          { role: 'user', content: [{ type: 'text', text: '!/model(anthropic:claude-sonnet-4-5)', cache_control: { type: 'ephemeral' } }] },
          { role: 'assistant', content: 'Set for this session: model = anthropic:claude-sonnet-4-5.' },
          { role: 'user', content: [{ type: 'text', text: 'write a poem !/temperature(0.9)' }] },
          { role: 'assistant', content: 'roses' },
          { role: 'user', content: 'another' },
        ],
      },
    ],
    [
      'openai-responses',
      {
        model: 'gpt-4.1',
        input: [
          { role: 'user', content: 'hi' },
          { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'hello' }] },
          { role: 'user', content: [{ type: 'input_text', text: '!/model(anthropic:claude-sonnet-4-5)' }] },
          { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Set for this session: model = anthropic:claude-sonnet-4-5.' }] },
          { role: 'user', content: 'write a poem !/temperature(0.9)' },
          { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'roses' }] },
          { role: 'user', content: 'another' },
        ],
      },
    ],
    [
      'gemini',
      {
        model: 'gemini-2.5-pro',
        contents: [
          { role: 'user', parts: [{ text: 'hi' }] },
          { role: 'model', parts: [{ text: 'hello' }] },
          { role: 'user', parts: [{ text: '!/model(anthropic:claude-sonnet-4-5)' }] },
          { role: 'model', parts: [{ text: 'Set for this session: model = anthropic:claude-sonnet-4-5.' }] },
          { role: 'user', parts: [{ text: 'write a poem !/temperature(0.9)' }] },
          { role: 'model', parts: [{ text: 'roses' }] },
          { role: 'user', parts: [{ text: 'another' }] },
        ],
      },
    ],
  ]

  it.each(history)('%s: command-only exchanges are dropped, commands after text cut out; nothing is run again', (front, body) => {
    const { turn, session } = turnOf(front, body)
    sessionCommands.request!(turn)
    expect(turn.replied).toBeUndefined()
    expect(turn.wasChanged).toBe(true)
    expect(shape(turn.hub().messages)).toEqual([
      ['user', 'hi'],
      ['assistant', 'hello'],
      ['user', 'write a poem'],
      ['assistant', 'roses'],
      ['user', 'another'],
    ])
    expect(session.data).toEqual({})
    expect(session.touched).toBe(0)
  })

  it.each(history)('%s: a new command on top of that history is answered, and the history scrubbed as well', (front, body) => {
    const { turn, session } = turnOf(front, body)
    const hub = turn.hub()
    const last = hub.messages.at(-1)!
    ;(last.content[0] as { text: string }).text = 'another !/oneoff(openai:gpt-4.1)'
    sessionCommands.request!(turn)
    expect(session.data).toEqual({ oneoff: 'openai:gpt-4.1' })
    expect(shape(hub.messages).map(([, t]) => t)).toEqual(['hi', 'hello', 'write a poem', 'roses', 'another'])
  })

  it('a command-only first message goes with its reply; alternation stays', () => {
    const { turn } = turnOf('openai-chat', chat(['user', '!/hello'], ['assistant', 'Hello! …'], ['user', 'real question']))
    sessionCommands.request!(turn)
    expect(shape(turn.hub().messages)).toEqual([['user', 'real question']])
  })

  it('two command-only exchanges in a row both go', () => {
    const { turn } = turnOf('openai-chat', chat(['user', 'a'], ['assistant', 'b'], ['user', '!/low'], ['assistant', 'ok'], ['user', '!/session'], ['assistant', 'Session …'], ['user', 'c']))
    sessionCommands.request!(turn)
    expect(shape(turn.hub().messages)).toEqual([
      ['user', 'a'],
      ['assistant', 'b'],
      ['user', 'c'],
    ])
  })

  it('an assistant prefill after the last user message stays', () => {
    const body = {
      model: 'claude-sonnet-4-5',
      max_tokens: 64,
      messages: [
        { role: 'user', content: '!/hello' },
        { role: 'assistant', content: 'Hello' },
        { role: 'user', content: 'give JSON' },
        { role: 'assistant', content: '{' },
      ],
    }
    const { turn } = turnOf('anthropic', body)
    sessionCommands.request!(turn)
    expect(shape(turn.hub().messages)).toEqual([
      ['user', 'give JSON'],
      ['assistant', '{'],
    ])
  })

  it('a cut command keeps the part’s cache marker', () => {
    const body = {
      model: 'claude-sonnet-4-5',
      max_tokens: 64,
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'do X !/low', cache_control: { type: 'ephemeral' } }] },
        { role: 'assistant', content: 'done' },
        { role: 'user', content: 'next' },
      ],
    }
    const { turn } = turnOf('anthropic', body)
    sessionCommands.request!(turn)
    expect(turn.hub().messages[0]!.content).toEqual([{ type: 'text', text: 'do X', cacheControl: { type: 'ephemeral' } }])
  })
})

describe('session-commands: INTERACTIVE_COMMANDS=off', () => {
  const env = { INTERACTIVE_COMMANDS: 'off' }

  it('a command after text is cut out, not run', () => {
    const { turn, session } = turnOf('openai-chat', chat(['user', 'do X !/model(openai:gpt-4.1)']), { env })
    sessionCommands.request!(turn)
    expect(session.data).toEqual({})
    expect(turn.wasChanged).toBe(true)
    expect(shape(turn.hub().messages)).toEqual([['user', 'do X']])
    expect(turn.warnings).toEqual(['!/model(openai:gpt-4.1) was cut out, not run (INTERACTIVE_COMMANDS=off)'])
  })

  it('a command-only message is not run; the reply says commands are off (an empty message would go upstream otherwise)', () => {
    const { turn, session } = turnOf('openai-chat', chat(['user', '!/model(openai:gpt-4.1)']), { env })
    sessionCommands.request!(turn)
    expect(session.data).toEqual({})
    expect(turn.replied).toBe('In-chat commands are switched off on this gateway (INTERACTIVE_COMMANDS=off): !/model(openai:gpt-4.1) was not run.')
  })

  it('history is scrubbed all the same', () => {
    const { turn } = turnOf('openai-chat', chat(['user', '!/hello'], ['assistant', 'commands are off'], ['user', 'q !/low'], ['assistant', 'a'], ['user', 'next']), { env })
    sessionCommands.request!(turn)
    expect(shape(turn.hub().messages)).toEqual([
      ['user', 'q'],
      ['assistant', 'a'],
      ['user', 'next'],
    ])
  })
})

describe('session-commands with session-overrides', () => {
  const both = (turn: ReturnType<typeof turnOf>['turn']) => {
    sessionCommands.request!(turn)
    sessionOverrides.request!(turn)
  }

  it('a one-off set by a command-only message waits for the next request', () => {
    const data: SessionData = {}
    const a = turnOf('openai-chat', chat(['user', '!/oneoff(anthropic:claude-haiku-4-5)']), { data })
    both(a.turn)
    expect(a.turn.model).toBe('gpt-4.1')
    expect(data.oneoff).toBe('anthropic:claude-haiku-4-5')
    const b = turnOf('openai-chat', chat(['user', 'hi']), { data })
    both(b.turn)
    expect(b.turn.model).toBe('anthropic:claude-haiku-4-5')
    expect(b.turn.modelVia).toBe('oneoff')
    expect(data.oneoff).toBeUndefined()
  })

  it('a command after text applies to this very request', () => {
    const data: SessionData = {}
    const { turn } = turnOf('openai-chat', chat(['user', 'hi !/model(anthropic:claude-sonnet-4-5)']), { data })
    both(turn)
    expect(turn.model).toBe('anthropic:claude-sonnet-4-5')
    expect(turn.modelVia).toBe('session')
  })
})
