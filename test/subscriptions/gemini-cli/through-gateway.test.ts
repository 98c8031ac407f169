import Anthropic from '@anthropic-ai/sdk'
import OpenAI from 'openai'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startGateway } from '../../../adapters/node'
import { startFakeGoogle, type FakeGoogle } from './fake-google'

/** Official SDKs → the Node adapter → gemini-cli-oauth-personal (the runtime's own logins, from the settings) → a fake Code Assist. */

const CLIENT_KEY = 'client-key-gemini-cli'
let g: FakeGoogle
let dir: string
let file: string
let gw: Awaited<ReturnType<typeof startGateway>>

beforeAll(async () => {
  g = await startFakeGoogle({ project: 'cli-project' })
  dir = mkdtempSync(join(tmpdir(), 'gemini-cli-gw-'))
  file = join(dir, 'oauth_creds.json')
  writeFileSync(file, JSON.stringify({ access_token: 'expired-token', refresh_token: 'r-1', token_type: 'Bearer', expiry_date: Date.now() - 1000 }, null, 2), { mode: 0o600 })
  gw = await startGateway(
    {
      PROXY_API_KEYS: CLIENT_KEY,
      GEMINI_CLI_OAUTH_PERSONAL_CREDENTIALS_FILE: file,
      GEMINI_CLI_OAUTH_PERSONAL_TOKEN_URL: `${g.url}/token`,
      GEMINI_CLI_OAUTH_PERSONAL_BASE_URL: g.url,
      LLM_PROXY_LOCAL_DISCOVERY: 'off',
    },
    '127.0.0.1',
    0,
  )
})
afterAll(async () => {
  await gw?.close()
  await g?.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('gemini-cli-oauth-personal through the gateway', () => {
  it('OpenAI SDK, not streaming: the expired token refreshed once, the file rewritten, the answer unwrapped', async () => {
    const openai = new OpenAI({ apiKey: CLIENT_KEY, baseURL: `${gw.url}/v1` })
    const res = await openai.chat.completions.create({ model: 'gemini-cli-oauth-personal:gemini-2.5-pro', messages: [{ role: 'user', content: 'hi' }] })
    expect(res.choices[0]!.message.content).toBe('Hello from gemini-2.5-pro in cli-project')
    expect(g.tokens).toHaveLength(1)
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ access_token: 'fresh-token', refresh_token: 'r-1', token_type: 'Bearer' })
    const sent = g.seen.find((s) => s.path === '/v1internal:generateContent')!
    expect(sent.headers.authorization).toBe('Bearer fresh-token')
    expect(JSON.parse(sent.body)).toMatchObject({ project: 'cli-project', model: 'gemini-2.5-pro' })
    // The credentials file's path is no header or body of the upstream call.
    expect(JSON.stringify(sent)).not.toContain(file)
  })

  it('Anthropic SDK, streaming: events unwrapped as they come, no second refresh', async () => {
    const anthropic = new Anthropic({ apiKey: CLIENT_KEY, baseURL: gw.url })
    const stream = anthropic.messages.stream({ model: 'gemini-cli-oauth-personal:gemini-2.5-flash', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] })
    const msg = await stream.finalMessage()
    expect(msg.content).toEqual([expect.objectContaining({ type: 'text', text: 'Hello from gemini-2.5-flash in cli-project' })])
    expect(msg.stop_reason).toBe('end_turn')
    expect(g.tokens).toHaveLength(1)
    expect(g.seen.some((s) => s.path === '/v1internal:streamGenerateContent?alt=sse')).toBe(true)
  })
})
