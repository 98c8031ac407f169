import OpenAI from 'openai'
import Anthropic from '@anthropic-ai/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startGateway } from '../../adapters/node'
import { startContentUpstream, type ContentUpstream } from './content-upstream'

let up: ContentUpstream
beforeAll(async () => {
  up = await startContentUpstream()
})
afterAll(() => up.close())

const KEYS = ['client-one-key-0001', 'client-two-key-0002']

async function gateway(env: Record<string, string> = {}) {
  const gw = await startGateway(
    {
      PROXY_API_KEYS: KEYS.join(','),
      OPENAI_API_KEY: 'sk-upstream-openai-0001',
      OPENAI_BASE_URL: `${up.url}/v1`,
      ANTHROPIC_API_KEY: 'sk-upstream-anthropic-0001',
      ANTHROPIC_BASE_URL: up.url,
      LOG_LEVEL: 'silent',
      LLM_PROXY_LOCAL_DISCOVERY: '0',
      ...env,
    },
    '127.0.0.1',
    0,
  )
  return gw
}

const chat = (gwUrl: string, key: string, headers: Record<string, string> = {}, body: object = {}) =>
  fetch(`${gwUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, ...headers },
    body: JSON.stringify({ model: 'openai:gpt-4.1', messages: [{ role: 'user', content: 'hello' }], ...body }),
  })

describe('sessions', () => {
  it('x-session-id names the session: the same id twice is one session, and the header never goes upstream', async () => {
    const gw = await gateway()
    try {
      up.reset()
      const a = await chat(gw.url, KEYS[0]!, { 'x-session-id': 'my-session' })
      const b = await chat(gw.url, KEYS[0]!, { 'x-session-id': 'my-session' }, { messages: [{ role: 'user', content: 'another first message' }] })
      const c = await chat(gw.url, KEYS[0]!, { 'x-session-id': 'other-session' })
      expect(a.status).toBe(200)
      const id = a.headers.get('x-b2bua-session-id')
      expect(id).toMatch(/^s_[0-9a-f]{16}$/)
      expect(b.headers.get('x-b2bua-session-id')).toBe(id)
      expect(c.headers.get('x-b2bua-session-id')).not.toBe(id)
      for (const r of up.requests()) {
        expect(r.headers['x-session-id']).toBeUndefined()
        expect(JSON.stringify(r.body)).not.toContain('my-session')
      }
    } finally {
      await gw.close()
    }
  })

  it('two clients sending the same session id get two sessions', async () => {
    const gw = await gateway()
    try {
      const a = await chat(gw.url, KEYS[0]!, { 'x-session-id': 'shared' })
      const b = await chat(gw.url, KEYS[1]!, { 'x-session-id': 'shared' })
      expect(a.headers.get('x-b2bua-session-id')).not.toBe(b.headers.get('x-b2bua-session-id'))
    } finally {
      await gw.close()
    }
  })

  it('without an id, the conversation’s first user message ties requests together (per client)', async () => {
    const gw = await gateway()
    try {
      const first = { messages: [{ role: 'user', content: 'Plan the refactor' }] }
      const later = { messages: [{ role: 'user', content: 'Plan the refactor' }, { role: 'assistant', content: 'ok' }, { role: 'user', content: 'go on' }] }
      const a = await chat(gw.url, KEYS[0]!, {}, first)
      const b = await chat(gw.url, KEYS[0]!, {}, later)
      const c = await chat(gw.url, KEYS[1]!, {}, first)
      expect(b.headers.get('x-b2bua-session-id')).toBe(a.headers.get('x-b2bua-session-id'))
      expect(c.headers.get('x-b2bua-session-id')).not.toBe(a.headers.get('x-b2bua-session-id'))
    } finally {
      await gw.close()
    }
  })

  it('the client’s own id in the body (OpenAI user, Anthropic metadata.user_id) reaches the upstream as the gateway’s session id', async () => {
    const gw = await gateway()
    try {
      up.reset()
      const openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: KEYS[0]!, maxRetries: 0 })
      const { response } = await openai.chat.completions.create({ model: 'openai:gpt-4.1', messages: [{ role: 'user', content: 'hi' }], user: 'alice@example.com' }).withResponse()
      const anthropic = new Anthropic({ baseURL: `${gw.url}/anthropic`, apiKey: KEYS[0]!, maxRetries: 0 })
      const userId = 'user_abc_account_123_session_8f1c2d3e-aaaa-bbbb-cccc-111122223333'
      const second = await anthropic.messages
        .create({ model: 'anthropic:claude-sonnet-4-5', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }], metadata: { user_id: userId } })
        .withResponse()
      const [toOpenai, toAnthropic] = up.requests()
      expect(toOpenai!.body.user).toBe(response.headers.get('x-b2bua-session-id'))
      expect(toAnthropic!.body.metadata.user_id).toBe(second.response.headers.get('x-b2bua-session-id'))
      expect(JSON.stringify(up.requests())).not.toContain('alice@example.com')
      expect(JSON.stringify(up.requests())).not.toContain('8f1c2d3e')
    } finally {
      await gw.close()
    }
  })
})
