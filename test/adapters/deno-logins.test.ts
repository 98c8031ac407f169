import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import Anthropic from '@anthropic-ai/sdk'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { FakeVendors, writeExpiredLogins } from '../subscriptions/fake-vendors'

const ROOT = resolve(__dirname, '../..')
const fake = new FakeVendors()
let dir: string
beforeAll(async () => {
  await fake.start()
  dir = mkdtempSync(join(tmpdir(), 'deno-logins-'))
})
afterAll(async () => {
  await new Promise((r) => fake.server.close(r))
  rmSync(dir, { recursive: true, force: true })
})

/** `npm run start:deno` with these settings; resolves with its URL once it listens. */
function launch(env: Record<string, string>): Promise<{ url: string; child: ChildProcess }> {
  const command = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')).scripts['start:deno'] as string
  const PATH = `${resolve(ROOT, 'node_modules/.bin')}:${process.env.PATH}`
  return new Promise((ok, fail) => {
    const child = spawn('sh', ['-c', command], { cwd: ROOT, env: { ...process.env, ...env, PATH }, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
    let out = ''
    const timer = setTimeout(() => {
      process.kill(-child.pid!, 'SIGKILL')
      fail(new Error(`no "listening" line within 60 s:\n${out}`))
    }, 60_000)
    const onData = (d: Buffer) => {
      out += d.toString()
      const m = /listening on (http:\/\/[^\s]+)/.exec(out)
      if (m) {
        clearTimeout(timer)
        ok({ url: m[1]!, child })
      }
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', onData)
    child.on('exit', (code) => {
      clearTimeout(timer)
      fail(new Error(`exited with ${code}:\n${out}`))
    })
  })
}

it('the Deno adapter: an expired Codex login refreshes once, answers the Anthropic SDK, and leaves a valid auth.json', { timeout: 90_000 }, async () => {
  writeExpiredLogins(dir, fake)
  const { url, child } = await launch({
    PORT: '0',
    LOG_LEVEL: 'silent',
    LLM_PROXY_LOCAL_DISCOVERY: 'off',
    OPENAI_CODEX_CREDENTIALS_FILE: join(dir, 'auth.json'),
    OPENAI_CODEX_BASE_URL: `${fake.url}/codex`,
    OPENAI_CODEX_TOKEN_URL: `${fake.url}/token/codex`,
  })
  try {
    const msg = await new Anthropic({ baseURL: url, apiKey: 'unused', maxRetries: 0 }).messages.create({
      model: 'openai-codex:gpt-5.5',
      max_tokens: 50,
      messages: [{ role: 'user', content: 'hi' }],
    })
    expect(msg.content.length).toBeGreaterThan(0)
    expect(fake.refreshes('codex')).toBe(1)
    const auth = JSON.parse(readFileSync(join(dir, 'auth.json'), 'utf8'))
    expect(auth.tokens).toMatchObject({ access_token: fake.accept.codex, refresh_token: 'new-refresh', account_id: 'acct-1' })
    expect(auth.extra_codex_field).toEqual({ kept: true })
  } finally {
    const exited = new Promise((r) => child.once('exit', r))
    try {
      process.kill(-child.pid!, 'SIGTERM')
    } catch {
      // already gone
    }
    await exited
  }
})
