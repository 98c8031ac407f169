import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Anthropic from '@anthropic-ai/sdk'
import OpenAI from 'openai'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startGateway, type NodeGateway } from '../../adapters/node'
import { FakeVendors, jwt, writeExpiredLogins } from './fake-vendors'
import { CLAUDE_CODE_SYSTEM } from '../../src/subscriptions/anthropic-oauth'

const fake = new FakeVendors()
let dir: string
let gw: NodeGateway
const file = (name: string) => join(dir, name)
const readJson = (name: string) => JSON.parse(readFileSync(file(name), 'utf8'))

const env = () => ({
  LOG_LEVEL: 'silent',
  LLM_PROXY_LOCAL_DISCOVERY: 'off',
  OPENAI_CODEX_CREDENTIALS_FILE: file('auth.json'),
  OPENAI_CODEX_BASE_URL: `${fake.url}/codex`,
  OPENAI_CODEX_TOKEN_URL: `${fake.url}/token/codex`,
  ANTHROPIC_OAUTH_CREDENTIALS_FILE: file('.credentials.json'),
  ANTHROPIC_OAUTH_BASE_URL: `${fake.url}/anthropic`,
  ANTHROPIC_OAUTH_TOKEN_URL: `${fake.url}/token/claude`,
  QWEN_OAUTH_CREDENTIALS_FILE: file('oauth_creds.json'),
  QWEN_OAUTH_TOKEN_URL: `${fake.url}/token/qwen`,
})

beforeAll(async () => {
  await fake.start()
})
afterAll(async () => {
  await new Promise((r) => fake.server.close(r))
})
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'logins-'))
  fake.seen = []
  fake.refuse = false
  fake.refuseTokens.clear()
  writeExpiredLogins(dir, fake)
  gw = await startGateway(env(), '127.0.0.1', 0)
  return async () => {
    await gw.close()
    rmSync(dir, { recursive: true, force: true })
  }
})

const anthropic = () => new Anthropic({ baseURL: gw.url, apiKey: 'unused', maxRetries: 0 })
const openai = () => new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'unused', maxRetries: 0 })

describe('openai-codex', () => {
  it('an expired token through the Anthropic front end: one refresh, an answer, a valid auth.json left behind', async () => {
    const msg = await anthropic().messages.create({ model: 'openai-codex:gpt-5.5', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] })
    expect(msg.content[0]).toMatchObject({ type: 'text' })
    expect((msg.content[0] as { text: string }).text.length).toBeGreaterThan(0)
    expect(fake.refreshes('codex')).toBe(1)
    const refresh = JSON.parse(fake.seen.find((s) => s.path === '/token/codex')!.body)
    expect(refresh).toMatchObject({ grant_type: 'refresh_token', refresh_token: 'old-refresh', client_id: 'app_EMoamEEZ73f0CkXaXp7hrann' })
    // The Codex endpoint got a streaming, unstored request with instructions and the account header.
    const call = fake.seen.find((s) => s.path === '/codex/responses')!
    expect(JSON.parse(call.body)).toMatchObject({ stream: true, store: false, model: 'gpt-5.5' })
    expect(typeof JSON.parse(call.body).instructions).toBe('string')
    expect(JSON.parse(call.body).max_output_tokens).toBeUndefined()
    expect(call.headers['chatgpt-account-id']).toBe('acct-1')
    expect(call.headers.originator).toBe('codex_cli_rs')
    // The file: Codex's format, new tokens, unknown fields kept, mode kept.
    const auth = readJson('auth.json')
    expect(auth.tokens).toEqual({ id_token: 'new-id', access_token: fake.accept.codex, refresh_token: 'new-refresh', account_id: 'acct-1' })
    expect(auth.extra_codex_field).toEqual({ kept: true })
    expect(auth.OPENAI_API_KEY).toBeNull()
    expect(Date.parse(auth.last_refresh)).toBeGreaterThan(Date.now() - 60_000)
    expect(statSync(file('auth.json')).mode & 0o777).toBe(0o600)
    // The next request uses the refreshed token without another refresh.
    await anthropic().messages.create({ model: 'openai-codex:gpt-5.5', max_tokens: 100, messages: [{ role: 'user', content: 'again' }] })
    expect(fake.refreshes('codex')).toBe(1)
  })

  it('a token the upstream refuses (401) is refreshed before the next call, even before it expires', async () => {
    const ask = (content: string) => anthropic().messages.create({ model: 'openai-codex:gpt-5.5', max_tokens: 50, messages: [{ role: 'user', content }] })
    await ask('first')
    expect(fake.refreshes('codex')).toBe(1)
    fake.accept.codex = 'revoked-on-the-server'
    const outcome = await ask('second').then(
      () => 'answered',
      (err: { status?: number }) => err.status,
    )
    // That request hears the refusal (the gateway's own credentials refused: 502); the next one refreshes first.
    expect(outcome).toBe(502)
    expect(fake.refreshes('codex')).toBe(1)
    expect((await ask('third')).content.length).toBeGreaterThan(0)
    expect(fake.refreshes('codex')).toBe(2)
    expect(readJson('auth.json').tokens.access_token).toBe(fake.accept.codex)
  })

  it('streams through the Anthropic SDK', async () => {
    const stream = anthropic().messages.stream({ model: 'openai-codex:gpt-5.5', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] })
    let text = ''
    stream.on('text', (t) => (text += t))
    const final = await stream.finalMessage()
    expect(text.length).toBeGreaterThan(0)
    expect(final.stop_reason).toBe('end_turn')
    expect(fake.refreshes('codex')).toBe(1)
  })

  it('answers a non-streaming OpenAI Chat client from the Codex stream', async () => {
    const res = await openai().chat.completions.create({ model: 'openai-codex:gpt-5.5', messages: [{ role: 'user', content: 'hi' }] })
    expect(res.choices[0]!.message.content!.length).toBeGreaterThan(0)
    expect(res.choices[0]!.finish_reason).toBe('stop')
  })

  it('two concurrent requests: one refresh', async () => {
    const ask = () => anthropic().messages.create({ model: 'openai-codex:gpt-5.5', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] })
    const [a, b] = await Promise.all([ask(), ask()])
    expect(a.content.length).toBeGreaterThan(0)
    expect(b.content.length).toBeGreaterThan(0)
    expect(fake.refreshes('codex')).toBe(1)
  })

  it('a refused refresh: a 401 in the client protocol saying to log in with codex, no token in it', async () => {
    fake.refuse = true
    const res = await fetch(`${gw.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'unused' },
      body: JSON.stringify({ model: 'openai-codex:gpt-5.5', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }),
    })
    expect(res.status).toBe(401)
    const body = await res.json()
    expect(body.type).toBe('error')
    expect(body.error.message).toContain('codex login')
    expect(body.error.message).toContain('auth.json')
    expect(JSON.stringify(body)).not.toContain('old-refresh')
    expect(JSON.stringify(body)).not.toContain(dir)
    // The file is left as it was.
    expect(readJson('auth.json').tokens.refresh_token).toBe('old-refresh')
  })
})

describe('anthropic-oauth', () => {
  it('an expired token through the OpenAI front end: one refresh, Bearer with the OAuth beta, Claude Code system line, the file updated', async () => {
    const res = await openai().chat.completions.create({
      model: 'anthropic-oauth:claude-sonnet-4-5',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'hi' },
      ],
    })
    expect(res.choices[0]!.message.content!.length).toBeGreaterThan(0)
    expect(fake.refreshes('claude')).toBe(1)
    const call = fake.seen.find((s) => s.path === '/anthropic/v1/messages')!
    expect(call.headers['x-api-key']).toBeUndefined()
    expect(call.headers['anthropic-beta']).toContain('oauth-2025-04-20')
    const sent = JSON.parse(call.body)
    expect(sent.system[0]).toEqual({ type: 'text', text: CLAUDE_CODE_SYSTEM })
    expect(sent.system[1].text).toBe('Be brief.')
    const creds = readJson('.credentials.json')
    expect(creds.claudeAiOauth).toMatchObject({ accessToken: 'new-claude-access', refreshToken: 'new-claude-refresh', subscriptionType: 'max', scopes: ['user:inference', 'user:profile'] })
    expect(creds.claudeAiOauth.expiresAt).toBeGreaterThan(Date.now())
    expect(creds.mcpOAuth).toEqual({ kept: true })
  })

  it('streams through the OpenAI SDK, and keeps a client beta next to the OAuth one (Anthropic SDK)', async () => {
    const stream = await openai().chat.completions.create({ model: 'anthropic-oauth:claude-sonnet-4-5', stream: true, messages: [{ role: 'user', content: 'hi' }] })
    let text = ''
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? ''
    expect(text.length).toBeGreaterThan(0)
    await anthropic().messages.create(
      { model: 'anthropic-oauth:claude-sonnet-4-5', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] },
      { headers: { 'anthropic-beta': 'context-1m-2025-08-07' } },
    )
    const last = fake.seen.filter((s) => s.path === '/anthropic/v1/messages').at(-1)!
    expect(String(last.headers['anthropic-beta']).split(',')).toEqual(expect.arrayContaining(['oauth-2025-04-20', 'context-1m-2025-08-07']))
    expect(fake.refreshes('claude')).toBe(1)
  })

  it('count_tokens is estimated: the credentials file is never sent as a key, nothing is refreshed', async () => {
    const res = await fetch(`${gw.url}/v1/messages/count_tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'unused' },
      body: JSON.stringify({ model: 'anthropic-oauth:claude-sonnet-4-5', messages: [{ role: 'user', content: 'hi there' }] }),
    })
    expect(res.status).toBe(200)
    expect(res.headers.get('x-gateway-estimate')).toBe('true')
    expect(((await res.json()) as { input_tokens: number }).input_tokens).toBeGreaterThan(0)
    expect(fake.seen).toEqual([])
  })

  it('a refused refresh says to log in with claude /login', async () => {
    fake.refuse = true
    await expect(openai().chat.completions.create({ model: 'anthropic-oauth:claude-sonnet-4-5', messages: [{ role: 'user', content: 'hi' }] })).rejects.toMatchObject({
      status: 401,
      message: expect.stringContaining('/login'),
    })
  })
})

describe('qwen-oauth', () => {
  it('an expired token through the Anthropic front end: one form refresh, the resource_url host, the file updated', async () => {
    const msg = await anthropic().messages.create({ model: 'qwen-oauth:coder-model', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] })
    expect(msg.content.length).toBeGreaterThan(0)
    expect(fake.refreshes('qwen')).toBe(1)
    const refresh = fake.seen.find((s) => s.path === '/token/qwen')!
    expect(refresh.headers['content-type']).toBe('application/x-www-form-urlencoded')
    expect(Object.fromEntries(new URLSearchParams(refresh.body))).toMatchObject({ grant_type: 'refresh_token', refresh_token: 'old-qwen-refresh', client_id: 'f0304373b74a44d2b584a3fb70ca9e56' })
    expect(fake.seen.some((s) => s.path === '/qwen/v1/chat/completions')).toBe(true)
    const creds = readJson('oauth_creds.json')
    expect(creds).toMatchObject({ access_token: 'new-qwen-access', refresh_token: 'new-qwen-refresh', resource_url: `${fake.url}/qwen`, extra: 1 })
    expect(creds.expiry_date).toBeGreaterThan(Date.now())
  })

  it('streams through the OpenAI SDK', async () => {
    const stream = await openai().chat.completions.create({ model: 'qwen-oauth:coder-model', stream: true, messages: [{ role: 'user', content: 'hi' }] })
    let text = ''
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? ''
    expect(text.length).toBeGreaterThan(0)
    expect(fake.refreshes('qwen')).toBe(1)
  })

  it('a refused refresh says to log in with qwen', async () => {
    fake.refuse = true
    await expect(openai().chat.completions.create({ model: 'qwen-oauth:coder-model', messages: [{ role: 'user', content: 'hi' }] })).rejects.toMatchObject({
      status: 401,
      message: expect.stringContaining('`qwen`'),
    })
  })
})

describe('credentials files as a key pool', () => {
  it('rotates across two files: the one whose refresh is refused is passed over, the other answers', async () => {
    const second = JSON.parse(readFileSync(file('auth.json'), 'utf8'))
    second.tokens.refresh_token = 'second-refresh'
    writeFileSync(file('auth-2.json'), JSON.stringify(second), { mode: 0o600 })
    fake.refuseTokens.add('old-refresh')
    const two = await startGateway({ ...env(), OPENAI_CODEX_CREDENTIALS_FILE: `${file('auth.json')},${file('auth-2.json')}` }, '127.0.0.1', 0)
    try {
      const client = new Anthropic({ baseURL: two.url, apiKey: 'unused', maxRetries: 0 })
      for (let i = 0; i < 3; i++) {
        const msg = await client.messages.create({ model: 'openai-codex:gpt-5.5', max_tokens: 50, messages: [{ role: 'user', content: `hi ${i}` }] })
        expect(msg.content.length).toBeGreaterThan(0)
      }
      // The refused file was tried at most once (then retired); the other was refreshed once and rewritten.
      expect(fake.seen.filter((s) => s.path === '/token/codex' && s.body.includes('old-refresh')).length).toBeLessThanOrEqual(1)
      expect(fake.seen.filter((s) => s.path === '/token/codex' && s.body.includes('second-refresh')).length).toBe(1)
      expect(readJson('auth-2.json').tokens.refresh_token).toBe('new-refresh')
      expect(readJson('auth.json').tokens.refresh_token).toBe('old-refresh')
    } finally {
      await two.close()
    }
  })
})

describe("the CLI's own file", () => {
  it('turns the back end on only when it exists under HOME, and /v1/models shows no path', async () => {
    const home = join(dir, 'home')
    const off = await startGateway({ LOG_LEVEL: 'silent', LLM_PROXY_LOCAL_DISCOVERY: 'off', HOME: home }, '127.0.0.1', 0)
    try {
      const ids = (await (await fetch(`${off.url}/v1/models`)).json()).data.map((m: { id: string }) => m.id)
      expect(ids.some((id: string) => id.startsWith('openai-codex:'))).toBe(false)
    } finally {
      await off.close()
    }
    mkdirSync(join(home, '.codex'), { recursive: true })
    writeFileSync(join(home, '.codex', 'auth.json'), readFileSync(file('auth.json')))
    const on = await startGateway({ LOG_LEVEL: 'silent', LLM_PROXY_LOCAL_DISCOVERY: 'off', HOME: home, OPENAI_CODEX_BASE_URL: `${fake.url}/codex`, OPENAI_CODEX_TOKEN_URL: `${fake.url}/token/codex` }, '127.0.0.1', 0)
    try {
      const text = await (await fetch(`${on.url}/v1/models`)).text()
      expect(text).toContain('openai-codex:gpt-5.5')
      expect(text).not.toContain(home)
      const msg = await new Anthropic({ baseURL: on.url, apiKey: 'unused', maxRetries: 0 }).messages.create({
        model: 'openai-codex:gpt-5.5',
        max_tokens: 50,
        messages: [{ role: 'user', content: 'hi' }],
      })
      expect(msg.content.length).toBeGreaterThan(0)
      expect(JSON.parse(readFileSync(join(home, '.codex', 'auth.json'), 'utf8')).tokens.refresh_token).toBe('new-refresh')
    } finally {
      await on.close()
    }
  })
})
