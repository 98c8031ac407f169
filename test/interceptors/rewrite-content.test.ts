import { describe, expect, it } from 'vitest'
import { parseConfigFile } from '../../src/config/config-file'
import type { RewriteRule } from '../../src/config/interactive-settings'
import { responseToEvents } from '../../src/hub/response-events'
import type { HubStreamEvent } from '../../src/hub/stream'
import { rewriteContent } from '../../src/interceptors/rewrite-content'
import { answerTurn, fakeRuntime, hubRequest, requestTurn, runWatch } from './turns'

const rt = (rewrites: RewriteRule[]) => fakeRuntime({}, { rewrites }).rt
const rule = (target: RewriteRule['target'], action: RewriteRule['action'], match: string, text: string): RewriteRule => ({ target, action, match, text })

function request(rules: RewriteRule[], front: Parameters<typeof requestTurn>[0], body: Record<string, unknown>) {
  const turn = requestTurn(front, body, { rt: rt(rules) })
  let decoded = 0
  const hub = turn.hub
  turn.hub = () => (decoded++, hub())
  rewriteContent.request!(turn)
  return { turn, decoded: () => decoded }
}

const chat = (messages: unknown[]) => ({ model: 'm', messages })

describe('rewrite-content: requests', () => {
  it('no rules: nothing decoded, nothing changed, no watch', () => {
    const { turn, decoded } = request([], 'openai-chat', chat([{ role: 'user', content: 'hi' }]))
    expect(decoded()).toBe(0)
    expect(turn.wasChanged).toBe(false)
    expect(rewriteContent.answer!(answerTurn(hubRequest(), { rt: rt([]) }))).toBeUndefined()
  })

  it('only reply rules: the request is not decoded', () => {
    const { turn, decoded } = request([rule('reply', 'replace', 'a', 'b')], 'openai-chat', chat([{ role: 'user', content: 'a' }]))
    expect(decoded()).toBe(0)
    expect(turn.wasChanged).toBe(false)
  })

  it('a literal replace the body does not contain: not decoded; one it contains: every user message rewritten, tool results not', () => {
    const rules = [rule('user', 'replace', 'colour', 'color')]
    const none = request(rules, 'openai-chat', chat([{ role: 'user', content: 'hi' }]))
    expect(none.decoded()).toBe(0)

    const { turn } = request(rules, 'anthropic', {
      model: 'm',
      max_tokens: 5,
      system: 'colour stays in system',
      messages: [
        { role: 'user', content: 'my colour, your colour' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 't', name: 'f', input: { q: 'colour' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: 'colour' }, { type: 'text', text: 'and colour' }] },
      ],
    })
    expect(turn.wasChanged).toBe(true)
    const hub = turn.hub()
    expect(hub.system[0]!.text).toBe('colour stays in system')
    expect(hub.messages[0]!.content).toEqual([{ type: 'text', text: 'my color, your color' }])
    expect(JSON.stringify(hub.messages[1])).toContain('colour')
    expect(hub.messages[2]!.content[0]).toMatchObject({ type: 'tool_result', content: 'colour' })
    expect(hub.messages[2]!.content[1]).toEqual({ type: 'text', text: 'and color' })
  })

  it('a regex replace with flags and $1; system text and system messages', () => {
    const { turn } = request([rule('system', 'replace', '/you are (\\w+)/i', 'You are $1, a careful assistant')], 'openai-chat', chat([
      { role: 'system', content: 'You are Claude.' },
      { role: 'user', content: 'you are what?' },
      { role: 'system', content: 'reminder: you are bot' },
    ]))
    expect(turn.wasChanged).toBe(true)
    const hub = turn.hub()
    expect(hub.system[0]!.text).toBe('You are Claude, a careful assistant.')
    expect(hub.messages.find((m) => m.role === 'user')!.content).toEqual([{ type: 'text', text: 'you are what?' }])
    expect(JSON.stringify(hub.messages)).toContain('reminder: You are bot, a careful assistant')
  })

  it('system prepend/append when matched, not stacked when already there; an empty system gets one with /^/', () => {
    const rules = [rule('system', 'prepend', '/^/', 'RULES. '), rule('system', 'append', 'Claude', ' Be brief.')]
    const { turn } = request(rules, 'openai-chat', chat([{ role: 'system', content: 'You are Claude.' }, { role: 'user', content: 'hi' }]))
    expect(turn.hub().system.map((p) => p.text).join('')).toBe('RULES. You are Claude. Be brief.')

    const again = request(rules, 'openai-chat', chat([{ role: 'system', content: 'RULES. You are Claude. Be brief.' }, { role: 'user', content: 'hi' }]))
    expect(again.turn.wasChanged).toBe(false)

    const empty = request(rules, 'openai-chat', chat([{ role: 'user', content: 'hi' }]))
    expect(empty.turn.hub().system).toEqual([{ type: 'text', text: 'RULES. ' }]) // the append's match (Claude) is not in it
  })

  it('user prepend/append: every user message with text, history included; an unmatched message is left alone', () => {
    const rules = [rule('user', 'append', '/\\?\\s*$/', ' (answer in French)'), rule('user', 'prepend', 'URGENT', '[!] ')]
    const { turn } = request(rules, 'openai-chat', chat([
      { role: 'user', content: 'what is this?' },
      { role: 'assistant', content: 'a cat' },
      { role: 'user', content: [{ type: 'text', text: 'URGENT: and ' }, { type: 'text', text: 'that?' }] },
      { role: 'user', content: 'thanks' },
    ]))
    const users = turn.hub().messages.filter((m) => m.role === 'user').map((m) => m.content.map((p) => (p as { text: string }).text))
    expect(users).toEqual([['what is this? (answer in French)'], ['[!] URGENT: and ', 'that? (answer in French)'], ['thanks']])
  })
})

const stream = (...texts: string[]): HubStreamEvent[] => [
  { type: 'start', id: 'r', model: 'm' },
  ...texts.map((text): HubStreamEvent => ({ type: 'text_delta', text })),
  { type: 'finish', reason: 'stop' },
]
const textOf = (events: HubStreamEvent[]) => events.map((e) => (e.type === 'text_delta' ? e.text : '')).join('')
function reply(rules: RewriteRule[], events: HubStreamEvent[]) {
  const w = rewriteContent.answer!(answerTurn(hubRequest(), { rt: rt(rules) }))
  if (!w) throw new Error('expected a watch')
  return runWatch(w, events)
}

describe('rewrite-content: replies', () => {
  it('a literal replace split across chunks in every way', () => {
    const text = 'We use Foobar here, and Foobar there; Foo bar is not it. Foobar'
    const want = text.replaceAll('Foobar', 'Baz')
    for (let size = 1; size <= text.length; size++) {
      const pieces: string[] = []
      for (let i = 0; i < text.length; i += size) pieces.push(text.slice(i, i + size))
      const out = reply([rule('reply', 'replace', 'Foobar', 'Baz')], stream(...pieces))
      expect(textOf(out), `size ${size}`).toBe(want)
      expect(out.at(-1)).toEqual({ type: 'finish', reason: 'stop' })
    }
  })

  it('a literal replace holds only a possible start of the match: other pieces pass as the same objects', () => {
    const input = stream('hello ', 'world, Fo', 'obar!', ' bye')
    const out = reply([rule('reply', 'replace', 'Foobar', 'Baz')], input)
    expect(out[1]).toBe(input[1]) // 'hello ' passes untouched
    expect(out[2]).toEqual({ type: 'text_delta', text: 'world, ' }) // 'Fo' held
    expect(out[3]).toEqual({ type: 'text_delta', text: 'Baz!' })
    expect(out[4]).toBe(input[4])
  })

  it('a held start that does not become the match is released before a tool call and at the finish', () => {
    const out = reply([rule('reply', 'replace', 'Foobar', 'Baz')], [
      { type: 'start', id: 'r', model: 'm' },
      { type: 'text_delta', text: 'call Foo' },
      { type: 'tool_call_start', index: 0, id: 'c', name: 'f' },
      { type: 'tool_call_end', index: 0 },
      { type: 'text_delta', text: 'then Foob' },
      { type: 'finish', reason: 'tool_calls' },
    ])
    expect(out.map((e) => e.type)).toEqual(['start', 'text_delta', 'text_delta', 'tool_call_start', 'tool_call_end', 'text_delta', 'text_delta', 'finish'])
    expect(textOf(out.slice(0, 3))).toBe('call Foo')
    expect(textOf(out.slice(5))).toBe('then Foob')
  })

  it('a replacement that ends like the match is not replaced again', () => {
    const out = reply([rule('reply', 'replace', 'ab', 'a')], stream('xab', 'b', 'y'))
    expect(textOf(out)).toBe('xaby')
  })

  it('a regex replace holds the text run and replaces it whole (a match across chunks)', () => {
    const out = reply([rule('reply', 'replace', '/sk-[a-z0-9]{6,}/gi', '[key]')], stream('your key: sk-ab', 'c123XYZ and ', 'SK-zzzzzz9'))
    expect(out.map((e) => e.type)).toEqual(['start', 'text_delta', 'finish'])
    expect(textOf(out)).toBe('your key: [key] and [key]')
  })

  it('prepend before the first text (at once with /^/), append before the finish when matched', () => {
    const input = stream('Hello', ' there')
    const out = reply([rule('reply', 'prepend', '/^/', '> '), rule('reply', 'append', 'there', '\n-- sent via gateway')], input)
    expect(out[1]).toEqual({ type: 'text_delta', text: '> Hello' })
    expect(out[2]).toBe(input[2])
    expect(out.at(-2)).toEqual({ type: 'text_delta', text: '\n-- sent via gateway' })
    expect(out.at(-1)).toBe(input.at(-1))

    const unmatched = reply([rule('reply', 'append', 'nowhere', '!!')], stream('Hello', ' there'))
    expect(textOf(unmatched)).toBe('Hello there')
  })

  it('append with a match split across chunks, and a regex append', () => {
    expect(textOf(reply([rule('reply', 'append', 'DONE', ' ✓')], stream('all DO', 'NE now')))).toBe('all DONE now ✓')
    expect(textOf(reply([rule('reply', 'append', '/\\d+ tests?/', ' ✓')], stream('ran 1', '2 tests')))).toBe('ran 12 tests ✓')
  })

  it('a literal prepend holds the first run until the match appears; a run without it is released unprefixed', () => {
    const input = stream('The answer', ' is WARNING', ': careful')
    const out = reply([rule('reply', 'prepend', 'WARNING', '⚠ ')], input)
    expect(out.map((e) => e.type)).toEqual(['start', 'text_delta', 'text_delta', 'finish'])
    expect(out[1]).toEqual({ type: 'text_delta', text: '⚠ The answer is WARNING' })
    expect(out[2]).toBe(input[3])

    const none = reply([rule('reply', 'prepend', 'WARNING', '⚠ ')], stream('calm', ' text'))
    expect(textOf(none)).toBe('calm text')
  })

  it('rules run in order: each sees the text the one before made', () => {
    const out = reply([rule('reply', 'replace', 'cat', 'dog'), rule('reply', 'replace', 'dog', 'wolf')], stream('a c', 'at and a dog'))
    expect(textOf(out)).toBe('a wolf and a wolf')
  })

  it('thinking is left alone; a finished answer goes through the same way', () => {
    const events = responseToEvents({
      id: 'r',
      model: 'm',
      content: [
        { type: 'thinking', text: 'Foobar thoughts' },
        { type: 'text', text: 'Foobar!' },
      ],
      finishReason: 'stop',
      usage: { inputTokens: 1, outputTokens: 2 },
    })
    const out = reply([rule('reply', 'replace', 'Foobar', 'Baz')], events)
    expect(out[1]).toBe(events[1])
    expect(textOf(out)).toBe('Baz!')
  })

  it('a stream cut before its finish releases what is held (end)', () => {
    const out = reply([rule('reply', 'replace', 'Foobar', 'Baz')], [{ type: 'start', id: 'r', model: 'm' }, { type: 'text_delta', text: 'ends in Foo' }])
    expect(textOf(out)).toBe('ends in Foo')
  })
})

describe('rewrite-content: the README example', () => {
  it('loads from YAML and does what the README says', () => {
    const config = parseConfigFile(`rewrites:
  - { target: system, match: "/^/", action: prepend, text: "Answer in British English. " }
  - { target: user, match: "colour", action: replace, text: "color" }
  - { target: reply, match: "/sk-[A-Za-z0-9]{20,}/g", action: replace, text: "[key]" }
  - { target: reply, match: "/^/", action: append, text: "\\n\\n(via the gateway)" }
`)
    const rt = fakeRuntime({}, config).rt
    const turn = requestTurn('openai-chat', chat([{ role: 'user', content: 'which colour?' }]), { rt })
    rewriteContent.request!(turn)
    expect(turn.hub().system).toEqual([{ type: 'text', text: 'Answer in British English. ' }])
    expect(turn.hub().messages[0]!.content).toEqual([{ type: 'text', text: 'which color?' }])
    const w = rewriteContent.answer!(answerTurn(hubRequest(), { rt }))!
    expect(textOf(runWatch(w, stream('use sk-abcdefghij', 'klmnopqrstuv now')))).toBe('use [key] now\n\n(via the gateway)')
  })
})
