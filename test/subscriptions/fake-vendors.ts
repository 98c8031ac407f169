import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { scriptedAnswer } from '../integration/fake-upstream'

/** An unsigned JWT with these claims (the gateway only reads `exp` and the account claim). */
export const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url')
export const jwt = (claims: Record<string, unknown>) => `${b64({ alg: 'none' })}.${b64(claims)}.sig`
export const nowS = () => Math.floor(Date.now() / 1000)

export interface Seen {
  path: string
  headers: IncomingMessage['headers']
  body: string
}

/** Loopback token and API servers for the three vendors: refreshes hand out `new-*` tokens; calls need the current one. */
export class FakeVendors {
  server!: Server
  url = ''
  seen: Seen[] = []
  refuse = false
  /** Refresh tokens refused one by one. */
  refuseTokens = new Set<string>()
  /** The access token each API accepts. */
  accept: Record<string, string> = {}
  /** Each refresh hands out tokens of its own (`new-qwen-access-2`), not the same ones again. */
  rotate = false
  private serial = 0
  refreshes = (vendor: string) => this.seen.filter((s) => s.path === `/token/${vendor}`).length

  async start() {
    this.server = createServer(async (req, res) => {
      const chunks: Buffer[] = []
      for await (const c of req) chunks.push(c as Buffer)
      const body = Buffer.concat(chunks).toString('utf8')
      const path = req.url ?? ''
      this.seen.push({ path, headers: req.headers, body })
      const json = (status: number, o: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' })
        res.end(JSON.stringify(o))
      }
      if (path.startsWith('/token/')) {
        if (this.refuse || [...this.refuseTokens].some((t) => body.includes(t))) return json(400, { error: 'invalid_grant', error_description: 'refresh token revoked' })
        // Hold the answer a moment so that concurrent callers overlap.
        await new Promise((r) => setTimeout(r, 50))
        const vendor = path.slice('/token/'.length)
        if (vendor === 'codex') {
          const access = jwt({ exp: nowS() + 3600, 'https://api.openai.com/auth': { chatgpt_account_id: 'acct-1' } })
          this.accept.codex = access
          return json(200, { access_token: access, id_token: 'new-id', refresh_token: 'new-refresh' })
        }
        const n = this.rotate ? `-${++this.serial}` : ''
        this.accept[vendor] = `new-${vendor}-access${n}`
        return json(200, { access_token: this.accept[vendor], refresh_token: `new-${vendor}-refresh${n}`, expires_in: 3600, token_type: 'Bearer', scope: 'user:inference user:profile' })
      }
      const vendor = path.startsWith('/codex/') ? 'codex' : path.startsWith('/anthropic/') ? 'claude' : 'qwen'
      if (req.headers.authorization !== `Bearer ${this.accept[vendor]}`) return json(401, { error: { message: 'invalid token' } })
      const parsed = JSON.parse(body)
      const wire = vendor === 'codex' ? 'responses' : vendor === 'claude' ? 'anthropic' : 'openai'
      const answer = scriptedAnswer(wire, parsed, parsed.model)
      if (parsed.stream) {
        res.writeHead(200, { 'content-type': 'text/event-stream' })
        for (const f of answer.frames) res.write(f)
        return res.end()
      }
      json(200, answer.json)
    })
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r))
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`
  }
}

/** Credentials files as each CLI writes them, with an expired access token and fields the gateway does not know. */
export function writeExpiredLogins(dir: string, fake: FakeVendors) {
  const file = (name: string) => join(dir, name)
  writeFileSync(
    file('auth.json'),
    JSON.stringify({
      OPENAI_API_KEY: null,
      tokens: { id_token: 'old-id', access_token: jwt({ exp: nowS() - 60 }), refresh_token: 'old-refresh', account_id: 'acct-1' },
      last_refresh: '2026-01-01T00:00:00Z',
      extra_codex_field: { kept: true },
    }),
    { mode: 0o600 },
  )
  writeFileSync(
    file('.credentials.json'),
    JSON.stringify({
      claudeAiOauth: { accessToken: 'old-claude', refreshToken: 'old-claude-refresh', expiresAt: Date.now() - 1000, scopes: ['user:inference'], subscriptionType: 'max' },
      mcpOAuth: { kept: true },
    }),
    { mode: 0o600 },
  )
  writeFileSync(
    file('oauth_creds.json'),
    JSON.stringify({ access_token: 'old-qwen', refresh_token: 'old-qwen-refresh', token_type: 'Bearer', expiry_date: Date.now() - 1000, resource_url: `${fake.url}/qwen`, extra: 1 }),
    { mode: 0o600 },
  )
  fake.accept = { codex: 'none', claude: 'none', qwen: 'none' }
}

