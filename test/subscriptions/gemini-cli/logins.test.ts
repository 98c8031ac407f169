import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { loadSettings, type Backend } from '../../../src/config/settings'
import { GatewayError } from '../../../src/hub/errors'
import { PROTOCOLS } from '../../../src/protocols'
import { sseFramer } from '../../../src/sse/parse'
import { chain } from '../../../src/streams/stage'
import { createGeminiCliLogins, GEMINI_CLI_OAUTH_CLIENT_ID } from '../../../src/subscriptions/gemini-cli'
import { startFakeGoogle, nodeFiles, type FakeGoogle } from './fake-google'

const NOW = Date.UTC(2026, 0, 1)
const cleanups: Array<() => unknown> = []
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!()
})

async function fake(o: Parameters<typeof startFakeGoogle>[0] = {}): Promise<FakeGoogle> {
  const g = await startFakeGoogle(o)
  cleanups.push(() => g.close())
  return g
}
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'gemini-cli-'))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}
const backendAt = (id: string, url: string): Backend => ({ ...loadSettings({}).backends.get(id)!, baseUrl: url })
const call = (model = 'gemini-2.5-pro') => ({
  url: 'http://unused/v1internal:generateContent',
  headers: new Headers({ 'content-type': 'application/json' }),
  body: JSON.stringify({ model, user_prompt_id: 'p1', request: { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] } }),
})

/** oauth_creds.json as the Gemini CLI writes it (JSON.stringify(credentials, null, 2), mode 0600). */
function oauthFile(dir: string, over: Record<string, unknown> = {}): string {
  const file = join(dir, 'oauth_creds.json')
  const creds = {
    access_token: 'expired-token',
    refresh_token: 'the-refresh-token',
    scope: 'https://www.googleapis.com/auth/cloud-platform openid',
    token_type: 'Bearer',
    id_token: 'old-id-token',
    expiry_date: NOW - 60_000,
    ...over,
  }
  writeFileSync(file, JSON.stringify(creds, null, 2), { mode: 0o600 })
  return file
}

const personal = (g: FakeGoogle, extra: Partial<Parameters<typeof createGeminiCliLogins>[0]> = {}) =>
  createGeminiCliLogins({ files: nodeFiles, now: () => NOW, tokenUrls: { 'gemini-cli-oauth-personal': `${g.url}/token` }, pollMs: 0, ...extra })

describe('gemini-cli-oauth-personal', () => {
  it('an expired token: one refresh with the CLI’s client, the file rewritten in its format (other fields kept), the call signed', async () => {
    const g = await fake({ project: 'managed-project-1' })
    const file = oauthFile(tempDir(), { extra_field: 'kept' })
    const backend = backendAt('gemini-cli-oauth-personal', g.url)
    const signed = await personal(g).sign(backend, file, call())

    expect(g.tokens).toHaveLength(1)
    const form = new URLSearchParams(g.tokens[0]!.body)
    expect(Object.fromEntries(form)).toMatchObject({ grant_type: 'refresh_token', refresh_token: 'the-refresh-token', client_id: GEMINI_CLI_OAUTH_CLIENT_ID })
    expect(form.get('client_secret')).toMatch(/^GOCSPX-/)

    const text = readFileSync(file, 'utf8')
    expect(text).toBe(JSON.stringify(JSON.parse(text), null, 2))
    expect(JSON.parse(text)).toEqual({
      access_token: 'fresh-token',
      refresh_token: 'the-refresh-token',
      scope: 'https://www.googleapis.com/auth/cloud-platform',
      token_type: 'Bearer',
      id_token: 'new-id-token',
      expiry_date: NOW + 3599_000,
      extra_field: 'kept',
    })
    expect(statSync(file).mode & 0o777).toBe(0o600)

    expect(signed.headers.get('authorization')).toBe('Bearer fresh-token')
    const body = JSON.parse(signed.body)
    expect(Object.keys(body)[0]).toBe('project')
    expect(body).toMatchObject({ project: 'managed-project-1', model: 'gemini-2.5-pro', user_prompt_id: 'p1' })
    // Set-up asked loadCodeAssist with the CLI's metadata, with the fresh token.
    const load = g.seen.find((s) => s.path === '/v1internal:loadCodeAssist')!
    expect(load.headers.authorization).toBe('Bearer fresh-token')
    expect(JSON.parse(load.body).metadata).toMatchObject({ ideType: 'IDE_UNSPECIFIED', platform: 'PLATFORM_UNSPECIFIED', pluginType: 'GEMINI' })
  })

  it('two concurrent requests: one refresh, one set-up', async () => {
    const g = await fake({ project: 'p' })
    const file = oauthFile(tempDir())
    const logins = personal(g)
    const backend = backendAt('gemini-cli-oauth-personal', g.url)
    const [a, b] = await Promise.all([logins.sign(backend, file, call()), logins.sign(backend, file, call())])
    expect(g.tokens).toHaveLength(1)
    expect(g.seen.filter((s) => s.path === '/v1internal:loadCodeAssist')).toHaveLength(1)
    expect([a.headers.get('authorization'), b.headers.get('authorization')]).toEqual(['Bearer fresh-token', 'Bearer fresh-token'])
    // A later call uses what it has: no file read needed, no refresh.
    await logins.sign(backend, file, call())
    expect(g.tokens).toHaveLength(1)
  })

  it('a refused refresh: a 401 that says to log in again with `gemini`, and the file untouched', async () => {
    const g = await fake({ refuse: true, project: 'p' })
    const file = oauthFile(tempDir())
    const before = readFileSync(file, 'utf8')
    const err = await personal(g)
      .sign(backendAt('gemini-cli-oauth-personal', g.url), file, call())
      .catch((e) => e)
    expect(err).toBeInstanceOf(GatewayError)
    expect(err.status).toBe(401)
    expect(err.message).toContain('invalid_grant')
    expect(err.message).toContain('`gemini`')
    expect(err.message).not.toContain('the-refresh-token')
    expect(readFileSync(file, 'utf8')).toBe(before)
  })

  it('a missing file says where it looked and how to log in', async () => {
    const g = await fake()
    const err = await personal(g)
      .sign(backendAt('gemini-cli-oauth-personal', g.url), join(tempDir(), 'nope.json'), call())
      .catch((e) => e)
    expect(err.status).toBe(401)
    expect(err.message).toMatch(/No credentials file at .*nope\.json: log in again with `gemini`/)
  })

  it('a valid token is used as it is; after the upstream refuses it, the next call refreshes', async () => {
    const g = await fake({ project: 'p' })
    const file = oauthFile(tempDir(), { access_token: 'still-good', expiry_date: NOW + 3600_000 })
    const learned: string[][] = []
    const logins = personal(g, { learn: (_source, s) => learned.push([...s].sort()) })
    const backend = backendAt('gemini-cli-oauth-personal', g.url)
    expect((await logins.sign(backend, file, call())).headers.get('authorization')).toBe('Bearer still-good')
    expect(g.tokens).toHaveLength(0)
    logins.refused(backend, file)
    expect((await logins.sign(backend, file, call())).headers.get('authorization')).toBe('Bearer fresh-token')
    expect(g.tokens).toHaveLength(1)
    expect(JSON.parse(readFileSync(file, 'utf8')).access_token).toBe('fresh-token')
    // The redactor heard of each token before it signed a call: the file's, then the refresh's.
    expect(learned[0]).toEqual(['old-id-token', 'still-good', 'still-good', 'the-refresh-token', 'the-refresh-token'])
    expect(learned.at(-1)).toEqual(expect.arrayContaining(['fresh-token', 'new-id-token', 'the-refresh-token']))
  })

  it('first use onboards the account: loadCodeAssist, onboardUser into the free tier, the operation polled until done', async () => {
    const g = await fake({ pendingPolls: 2 })
    const file = oauthFile(tempDir(), { access_token: 'good', expiry_date: NOW + 3600_000 })
    const signed = await personal(g).sign(backendAt('gemini-cli-oauth-personal', g.url), file, call())
    expect(JSON.parse(signed.body).project).toBe('onboarded-project')
    expect(g.seen.map((s) => `${s.method} ${s.path}`)).toEqual([
      'POST /v1internal:loadCodeAssist',
      'POST /v1internal:onboardUser',
      'GET /v1internal/operations/onboard-1',
      'GET /v1internal/operations/onboard-1',
    ])
    const onboard = JSON.parse(g.seen[1]!.body)
    expect(onboard.tierId).toBe('free-tier')
    expect(onboard).not.toHaveProperty('cloudaicompanionProject')
    expect(onboard.metadata.pluginType).toBe('GEMINI')
  })

  it('GOOGLE_CLOUD_PROJECT goes to loadCodeAssist; the onboarded project is the one used', async () => {
    const g = await fake()
    const file = oauthFile(tempDir(), { access_token: 'good', expiry_date: NOW + 3600_000 })
    const signed = await personal(g, { project: 'my-gcp-project' }).sign(backendAt('gemini-cli-oauth-personal', g.url), file, call())
    const load = JSON.parse(g.seen[0]!.body)
    expect(load).toMatchObject({ cloudaicompanionProject: 'my-gcp-project', metadata: { duetProject: 'my-gcp-project' } })
    expect(JSON.parse(signed.body).project).toBe('onboarded-project')
  })
})

describe('gemini-cli-cloud-project (Application Default Credentials)', () => {
  it('a service-account key: an RS256 JWT signed locally, exchanged at its token_uri, the token kept in memory', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const g = await fake({ publicKey, project: 'sa-project', newToken: 'sa-token' })
    const file = join(tempDir(), 'sa.json')
    const sa = {
      type: 'service_account',
      project_id: 'from-the-key',
      private_key_id: 'kid-1',
      private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      client_email: 'robot@proj.iam.gserviceaccount.com',
      token_uri: `${g.url}/token`,
    }
    writeFileSync(file, JSON.stringify(sa))
    const learned = new Map<string, string[]>()
    const logins = createGeminiCliLogins({ files: nodeFiles, now: () => NOW, project: 'sa-project', pollMs: 0, learn: (source, s) => learned.set(source, [...s]) })
    const backend = backendAt('gemini-cli-cloud-project', g.url)
    const signed = await logins.sign(backend, file, call())

    expect(g.tokens).toHaveLength(1)
    const assertion = new URLSearchParams(g.tokens[0]!.body).get('assertion')!
    const [h, c] = assertion.split('.').slice(0, 2).map((p) => JSON.parse(Buffer.from(p, 'base64url').toString()))
    expect(h).toEqual({ alg: 'RS256', typ: 'JWT', kid: 'kid-1' })
    expect(c).toMatchObject({ iss: sa.client_email, aud: sa.token_uri, scope: 'https://www.googleapis.com/auth/cloud-platform', iat: NOW / 1000, exp: NOW / 1000 + 3600 })
    expect(signed.headers.get('authorization')).toBe('Bearer sa-token')
    expect(JSON.parse(signed.body).project).toBe('sa-project')
    // The redactor was told the key, the signed JWT (it buys tokens for an hour) and the token it bought.
    expect(learned.get(`gemini-cli-cloud-project\n${file}`)).toEqual(expect.arrayContaining([sa.private_key, 'sa-token']))
    expect(learned.get(`gemini-cli-cloud-project\n${file}\nsigned`)).toEqual([assertion])
    expect(JSON.parse(g.seen.find((s) => s.path === '/v1internal:loadCodeAssist')!.body).cloudaicompanionProject).toBe('sa-project')
    // The key file is never rewritten; the token is reused.
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(sa)
    await logins.sign(backend, file, call())
    expect(g.tokens).toHaveLength(1)
  })

  it('a JWT signed with another key is refused: a 401 that says to check the key', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const { publicKey: otherPublic } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const g = await fake({ publicKey: otherPublic, project: 'p' })
    const file = join(tempDir(), 'sa.json')
    writeFileSync(
      file,
      JSON.stringify({ type: 'service_account', private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), client_email: 'r@x', token_uri: `${g.url}/token` }),
    )
    const err = await createGeminiCliLogins({ files: nodeFiles, project: 'p', pollMs: 0 })
      .sign(backendAt('gemini-cli-cloud-project', g.url), file, call())
      .catch((e) => e)
    expect(err.status).toBe(401)
    expect(err.message).toMatch(/service-account key/)
  })

  it('the user ADC file (authorized_user): refreshed with its own client, the file left as it is', async () => {
    const g = await fake({ project: 'adc-project', newToken: 'adc-token' })
    const file = join(tempDir(), 'application_default_credentials.json')
    const adc = { type: 'authorized_user', client_id: 'gcloud-client', client_secret: 'gcloud-secret', refresh_token: 'adc-refresh', quota_project_id: 'quota-p' }
    writeFileSync(file, JSON.stringify(adc))
    const signed = await createGeminiCliLogins({ files: nodeFiles, tokenUrls: { 'gemini-cli-cloud-project': `${g.url}/token` }, pollMs: 0 }).sign(
      backendAt('gemini-cli-cloud-project', g.url),
      file,
      call(),
    )
    expect(Object.fromEntries(new URLSearchParams(g.tokens[0]!.body))).toMatchObject({ grant_type: 'refresh_token', client_id: 'gcloud-client', refresh_token: 'adc-refresh' })
    expect(signed.headers.get('authorization')).toBe('Bearer adc-token')
    // No GOOGLE_CLOUD_PROJECT: the file's quota project goes to loadCodeAssist; the answer's project is used.
    expect(JSON.parse(g.seen.find((s) => s.path === '/v1internal:loadCodeAssist')!.body).cloudaicompanionProject).toBe('quota-p')
    expect(JSON.parse(signed.body).project).toBe('adc-project')
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(adc)
  })
})

describe('a Code Assist exchange end to end (protocol + login + fake endpoint)', () => {
  const hub = (stream: boolean) => ({ model: 'gemini-2.5-flash', system: [], messages: [{ role: 'user' as const, content: [{ type: 'text' as const, text: 'hi' }] }], stream })

  for (const stream of [false, true]) {
    it(stream ? 'streaming' : 'not streaming', async () => {
      const g = await fake({ project: 'p-42' })
      const file = oauthFile(tempDir())
      const backend = backendAt('gemini-cli-oauth-personal', g.url)
      const ca = PROTOCOLS['gemini-code-assist']
      const body = JSON.stringify(ca.encodeRequest(hub(stream), { model: 'gemini-2.5-flash', quirks: {}, warn: () => {} }))
      const signed = await personal(g).sign(backend, file, { url: g.url + ca.upstreamPath('gemini-2.5-flash', stream), headers: new Headers({ 'content-type': 'application/json' }), body })
      const res = await fetch(signed.url, { method: 'POST', headers: signed.headers, body: signed.body })
      expect(res.status).toBe(200)
      const sent = JSON.parse(g.seen.at(-1)!.body)
      expect(sent).toMatchObject({ project: 'p-42', model: 'gemini-2.5-flash', request: { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] } })
      if (!stream) {
        const out = ca.decodeResponse(await res.json())
        expect(out).toMatchObject({ id: 'tr-1', content: [{ type: 'text', text: 'Hello from gemini-2.5-flash in p-42' }], finishReason: 'stop' })
        return
      }
      const events: any[] = []
      const stage = chain(sseFramer(), ca.streamDecoder())
      const sink = { enqueue: (e: unknown) => events.push(e) }
      for (const chunk of [new Uint8Array(await res.arrayBuffer())]) stage.transform(chunk, sink)
      stage.flush!(sink)
      expect(events[0]).toMatchObject({ type: 'start', id: 'tr-1' })
      expect(events.filter((e) => e.type === 'text_delta').map((e) => e.text).join('')).toBe('Hello from gemini-2.5-flash in p-42')
      expect(events.at(-1)).toMatchObject({ type: 'finish', reason: 'stop', usage: { inputTokens: 5, outputTokens: 4 } })
    })
  }
})
