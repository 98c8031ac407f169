import { describe, expect, it } from 'vitest'
import { runRequestInterceptors } from '../../src/interceptors/run-request'
import type { Interceptor } from '../../src/interceptors/types'
import { PROTOCOLS } from '../../src/protocols'
import { fakeRuntime, fakeSession } from './turns'

const body = { model: 'openai:gpt-4.1', messages: [{ role: 'user', content: 'hello' }] }

function input(list: Interceptor[], over: { env?: Record<string, string> } = {}) {
  const { rt } = fakeRuntime({ OPENAI_API_KEY: 'sk-test-000000000000', ...over.env })
  return runRequestInterceptors(list, {
    rt,
    front: PROTOCOLS['openai-chat'],
    client: { name: 'c', limits: {} },
    session: fakeSession(),
    headers: new Headers(),
    body,
    text: JSON.stringify(body),
    model: body.model,
  })
}

describe('runRequestInterceptors', () => {
  it('decodes nothing when no interceptor asks for the request', async () => {
    const o = await input([{ name: 'cheap', does: '', request: (t) => void t.text.includes('!/') }])
    expect(o.hub).toBeUndefined()
    expect(o.changed).toBe(false)
    expect(o.model).toBe('openai:gpt-4.1')
  })

  it('hands every interceptor the same decoded request, and reports a change', async () => {
    const seen: unknown[] = []
    const o = await input([
      { name: 'a', does: '', request: (t) => void seen.push(t.hub()) },
      { name: 'b', does: '', request: (t) => { seen.push(t.hub()); t.hub().temperature = 0.1; t.changed() } },
    ])
    expect(seen[0]).toBe(seen[1])
    expect(o.changed).toBe(true)
    expect(o.hub?.temperature).toBe(0.1)
  })

  it('stops after an interceptor replies; model, overrides and warnings come back', async () => {
    let later = false
    const o = await input([
      { name: 'a', does: '', request: async (t) => { t.model = 'anthropic:claude-sonnet-4-5'; t.modelVia = 'session'; t.overrides.temperature = 0.3; t.warn('w') } },
      { name: 'b', does: '', request: (t) => t.reply('done') },
      { name: 'c', does: '', request: () => void (later = true) },
    ])
    expect(o).toMatchObject({ model: 'anthropic:claude-sonnet-4-5', modelVia: 'session', overrides: { temperature: 0.3 }, reply: 'done', warnings: ['w'] })
    expect(later).toBe(false)
  })

  it('switches read the session first, then the settings', async () => {
    const { rt } = fakeRuntime({ LOOP_DETECTION: 'on' })
    const session = fakeSession({ settings: { 'tool-repair': false } })
    const seen: boolean[] = []
    await runRequestInterceptors([{ name: 's', does: '', request: (t) => void seen.push(t.on('loop-detection'), t.on('tool-repair'), t.on('dangerous-command-guard')) }], {
      rt, front: PROTOCOLS['openai-chat'], client: { name: 'c', limits: {} }, session, headers: new Headers(), body, text: '', model: '',
    })
    expect(seen).toEqual([true, false, true])
  })
})
