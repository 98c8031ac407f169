import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { constants, createVerify, type KeyObject } from 'node:crypto'
import { chmod, readFile, rename, stat, writeFile } from 'node:fs/promises'
import type { CredentialFiles } from '../../../src/subscriptions/types'

export interface Seen {
  method: string
  path: string
  headers: IncomingMessage['headers']
  body: string
}

export interface FakeGoogle {
  url: string
  seen: Seen[]
  /** Token requests answered so far. */
  tokens: Seen[]
  close(): Promise<void>
}

export interface FakeGoogleOptions {
  /** The token endpoint refuses every grant (invalid_grant). */
  refuse?: boolean
  /** loadCodeAssist answers with a current tier and this project; undefined: onboarding is needed. */
  project?: string
  /** Polls of the onboarding operation before it is done. */
  pendingPolls?: number
  /** A service account's public key: JWT assertions must verify with it. */
  publicKey?: KeyObject
  /** The access token a refresh gives. */
  newToken?: string
  /** Generate answers carry the Authorization header they were sent (a hostile or careless upstream). */
  echo?: boolean
}

const b64url = (s: string) => Buffer.from(s, 'base64url')

/**
 * Google's token endpoint (`/token`) and the Code Assist API (`/v1internal:…`) on loopback. The
 * generate methods check the wrapped request (model, project, request.contents, Bearer token) and
 * answer wrapped responses, JSON or SSE.
 */
export async function startFakeGoogle(o: FakeGoogleOptions = {}): Promise<FakeGoogle> {
  const seen: Seen[] = []
  const tokens: Seen[] = []
  let polls = 0
  const server = createServer(async (req, res) => {
    let body = ''
    for await (const c of req) body += c
    const s: Seen = { method: req.method!, path: req.url!, headers: req.headers, body }
    seen.push(s)
    const json = (status: number, v: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify(v))
    }
    if (req.url === '/token') {
      tokens.push(s)
      // Let concurrent callers pile up before the answer, so a second refresh would show.
      await new Promise((f) => setImmediate(f))
      if (o.refuse) return json(400, { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' })
      const form = new URLSearchParams(body)
      if (form.get('grant_type') === 'urn:ietf:params:oauth:grant-type:jwt-bearer') {
        const [h, c, sig] = (form.get('assertion') ?? '').split('.')
        const ok = o.publicKey && createVerify('RSA-SHA256').update(`${h}.${c}`).verify({ key: o.publicKey, padding: constants.RSA_PKCS1_PADDING }, b64url(sig ?? ''))
        if (!ok) return json(400, { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' })
      } else if (form.get('grant_type') !== 'refresh_token' || !form.get('refresh_token') || !form.get('client_id')) {
        return json(400, { error: 'invalid_request' })
      }
      return json(200, { access_token: o.newToken ?? 'fresh-token', expires_in: 3599, token_type: 'Bearer', scope: 'https://www.googleapis.com/auth/cloud-platform', id_token: 'new-id-token' })
    }
    const auth = req.headers.authorization ?? ''
    if (!auth.startsWith('Bearer ') || auth === 'Bearer expired-token') return json(401, { error: { code: 401, message: 'Request had invalid authentication credentials.', status: 'UNAUTHENTICATED' } })
    if (req.url === '/v1internal:loadCodeAssist') {
      if (o.project) return json(200, { currentTier: { id: 'free-tier' }, cloudaicompanionProject: o.project })
      return json(200, { allowedTiers: [{ id: 'standard-tier' }, { id: 'free-tier', isDefault: true }] })
    }
    if (req.url === '/v1internal:onboardUser') {
      if ((o.pendingPolls ?? 0) === 0) return json(200, { done: true, response: { cloudaicompanionProject: { id: 'onboarded-project' } } })
      return json(200, { name: 'operations/onboard-1', done: false })
    }
    if (req.url === '/v1internal/operations/onboard-1') {
      polls++
      return json(200, polls >= (o.pendingPolls ?? 0) ? { name: 'operations/onboard-1', done: true, response: { cloudaicompanionProject: { id: 'onboarded-project' } } } : { name: 'operations/onboard-1', done: false })
    }
    if (req.url === '/v1internal:generateContent' || req.url === '/v1internal:streamGenerateContent?alt=sse') {
      const b = JSON.parse(body)
      if (typeof b.project !== 'string' || typeof b.model !== 'string' || !Array.isArray(b.request?.contents))
        return json(400, { error: { code: 400, message: 'Invalid Code Assist request.', status: 'INVALID_ARGUMENT' } })
      const text = `Hello from ${b.model} in ${b.project}${o.echo ? ` (you sent ${auth})` : ''}`
      const usage = { promptTokenCount: 5, candidatesTokenCount: 4, totalTokenCount: 9 }
      if (req.url.includes('stream')) {
        res.writeHead(200, { 'content-type': 'text/event-stream' })
        res.write(`data: ${JSON.stringify({ response: { candidates: [{ content: { role: 'model', parts: [{ text: text.slice(0, 5) }] } }] }, traceId: 'tr-1' })}\r\n\r\n`)
        res.end(`data: ${JSON.stringify({ response: { candidates: [{ content: { role: 'model', parts: [{ text: text.slice(5) }] }, finishReason: 'STOP' }], usageMetadata: usage }, traceId: 'tr-1' })}\r\n\r\n`)
        return
      }
      return json(200, { response: { candidates: [{ content: { role: 'model', parts: [{ text }] }, finishReason: 'STOP' }], usageMetadata: usage, modelVersion: b.model }, traceId: 'tr-1' })
    }
    json(404, { error: { code: 404, message: 'Not found', status: 'NOT_FOUND' } })
  })
  await new Promise<void>((f) => server.listen(0, '127.0.0.1', f))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    tokens,
    close: () => new Promise<void>((f) => server.close(() => f())),
  }
}

/** CredentialFiles on the local disk (what the Node adapter gives), for files in a test's temp dir. */
export const nodeFiles: CredentialFiles = {
  async read(path) {
    try {
      return await readFile(path, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw err
    }
  },
  async writeAtomic(path, text) {
    const mode = (await stat(path).catch(() => undefined))?.mode
    const tmp = `${path}.${process.pid}.tmp`
    await writeFile(tmp, text, { mode: 0o600 })
    if (mode !== undefined) await chmod(tmp, mode & 0o777)
    await rename(tmp, path)
  },
}
