import { describe, expect, it } from 'vitest'
import { openSession } from '../../src/sessions/open-session'
import { withGatewayIds } from '../../src/sessions/own-session-ids'
import { fakeRuntime } from '../interceptors/turns'

const headers = new Headers({ 'x-session-id': 'abc' })
const body = { model: 'm', messages: [{ role: 'user', content: 'hi' }] }

async function open(rt = fakeRuntime().rt, owner = 'me') {
  const deferred: Promise<unknown>[] = []
  const s = await openSession(rt, 'openai-chat', headers, body, owner, (p) => void deferred.push(p))
  return { s, deferred, rt }
}

describe('openSession', () => {
  it('a fresh session that nothing changes is never written', async () => {
    const { s, deferred, rt } = await open()
    s.save()
    expect(deferred).toHaveLength(0)
    expect(await rt.state.sessions.get(s.id, 'me')).toBeNull()
  })

  it('a touched session is saved once per change, and read back by the next request of its owner only', async () => {
    const { s, deferred, rt } = await open()
    s.data.settings = { temperature: 0.2 }
    s.touch()
    s.save()
    s.save()
    expect(deferred).toHaveLength(1)
    await Promise.all(deferred)
    const again = await open(rt)
    expect(again.s.id).toBe(s.id)
    expect(again.s.data).toEqual({ settings: { temperature: 0.2 } })
    const other = await open(rt, 'someone-else')
    expect(other.s.id).not.toBe(s.id)
    expect(other.s.data).toEqual({})
  })

  it('a store that fails to read is logged, and the request goes on with an empty session', async () => {
    const { rt } = fakeRuntime()
    rt.state.sessions.get = () => Promise.reject(new Error('down'))
    const { s } = await open(rt)
    expect(s.data).toEqual({})
  })
})

describe('withGatewayIds', () => {
  it('puts the gateway session id where the client put its own, and leaves a body without ids alone', () => {
    expect(withGatewayIds({ a: 1 }, 's_1')).toBeUndefined()
    const b = { user: 'alice', prompt_cache_key: 'codex-session', metadata: { user_id: 'user_x_session_y', other: 1 } }
    expect(withGatewayIds(b, 's_1')).toEqual({ user: 's_1', prompt_cache_key: 's_1', metadata: { user_id: 's_1', other: 1 } })
    expect(b.user).toBe('alice')
  })
})
