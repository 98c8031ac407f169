import { endpointError, loginError } from './login-error'
import { GOOGLE_TOKEN_URL, requestToken } from './google-token'
import type { LoginKind } from './login-kind'
import { setupCodeAssist } from './code-assist-setup'
import { importPrivateKey, JWT_BEARER_GRANT, signServiceAccountJwt } from './service-account-jwt'
import { EAGER_REFRESH_MS, signCodeAssist } from './sign-code-assist'

/**
 * `gemini-cli-cloud-project`: GOOGLE_CLOUD_PROJECT with Application Default Credentials, the file
 * google-auth-library finds: GOOGLE_APPLICATION_CREDENTIALS, else gcloud's
 * `~/.config/gcloud/application_default_credentials.json` (`gcloud auth application-default login`).
 * - `type: service_account` (a key file): a JWT signed here with its `private_key` (RS256) is exchanged
 *   at its `token_uri` for an access token;
 * - `type: authorized_user` (gcloud's user ADC): its `refresh_token` is exchanged with its own
 *   `client_id` / `client_secret` at Google's token endpoint.
 * Either way the token lives in memory until it expires; the file is never rewritten (gcloud keeps no
 * access token in it).
 *
 * Which endpoint: the Gemini CLI itself sends GOOGLE_CLOUD_PROJECT + ADC (its `vertex-ai` auth type,
 * core/contentGenerator.ts) to Vertex AI through @google/genai, and uses the Code Assist endpoint only
 * for Google logins (`oauth-personal`, and `compute-default-credentials` on GCE/Cloud Shell). As issue 13
 * names it, this back end speaks the Code Assist endpoint with the user's project (Gemini Code Assist
 * Standard/Enterprise, set up with loadCodeAssist/onboardUser like the personal login); a Vertex AI
 * deployment is reachable as an ordinary Gemini-protocol endpoint instead.
 */

const RELOGIN_USER = 'log in again with `gcloud auth application-default login` (Application Default Credentials)'
const RELOGIN_SA = 'check the service-account key in GOOGLE_APPLICATION_CREDENTIALS (a deleted or disabled key must be replaced)'

interface Access {
  token: string
  expiresAt: number
}

export type AdcCreds =
  | { type: 'service_account'; email: string; privateKey: string; keyId?: string; tokenUri: string; projectId?: string; key?: Promise<CryptoKey>; access?: Access }
  | { type: 'authorized_user'; clientId: string; clientSecret: string; refreshToken: string; quotaProjectId?: string; access?: Access }

const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined)
const reloginOf = (c: AdcCreds) => (c.type === 'service_account' ? RELOGIN_SA : RELOGIN_USER)

export const geminiCloudProject: LoginKind<AdcCreds, string> = {
  relogin: RELOGIN_USER,
  defaultFile: (env) => env.GOOGLE_APPLICATION_CREDENTIALS || '~/.config/gcloud/application_default_credentials.json',

  read(text, file) {
    let o: Record<string, unknown>
    try {
      o = JSON.parse(text)
    } catch {
      throw loginError(`${file} is not JSON: ${RELOGIN_USER}.`)
    }
    if (o?.type === 'service_account') {
      const email = str(o.client_email)
      const privateKey = str(o.private_key)
      if (!email || !privateKey) throw loginError(`${file} is a service-account file without client_email or private_key.`)
      return { type: 'service_account', email, privateKey, keyId: str(o.private_key_id), tokenUri: str(o.token_uri) ?? GOOGLE_TOKEN_URL, projectId: str(o.project_id) }
    }
    if (o?.type === 'authorized_user') {
      const clientId = str(o.client_id)
      const clientSecret = str(o.client_secret)
      const refreshToken = str(o.refresh_token)
      if (!clientId || !clientSecret || !refreshToken) throw loginError(`${file} lacks client_id, client_secret or refresh_token: ${RELOGIN_USER}.`)
      return { type: 'authorized_user', clientId, clientSecret, refreshToken, quotaProjectId: str(o.quota_project_id) }
    }
    throw loginError(`${file} is not an Application Default Credentials file (type service_account or authorized_user): ${RELOGIN_USER}.`)
  },

  token: (c) => c.access?.token,

  expired: (c, now) => !c.access || c.access.expiresAt - EAGER_REFRESH_MS <= now,

  async refresh(c, ctx) {
    const now = ctx.now()
    let t
    if (c.type === 'service_account') {
      const tokenUrl = ctx.tokenUrl ?? c.tokenUri
      c.key ??= importPrivateKey(c.privateKey)
      let key: CryptoKey
      try {
        key = await c.key
      } catch {
        c.key = undefined
        throw loginError(`The service-account private_key could not be read as an RSA key: ${RELOGIN_SA}.`)
      }
      // The JWT's audience is the token endpoint it is sent to (google-auth-library: GOOGLE_TOKEN_URL or token_uri).
      const assertion = await signServiceAccountJwt(key, { email: c.email, keyId: c.keyId, audience: tokenUrl, nowMs: now })
      // A bearer credential for an hour (it buys access tokens): the redactor knows it before it is sent.
      ctx.learn([assertion])
      t = await requestToken(ctx, tokenUrl, { grant_type: JWT_BEARER_GRANT, assertion }, RELOGIN_SA)
    } else {
      t = await requestToken(
        ctx,
        ctx.tokenUrl ?? GOOGLE_TOKEN_URL,
        { grant_type: 'refresh_token', refresh_token: c.refreshToken, client_id: c.clientId, client_secret: c.clientSecret },
        RELOGIN_USER,
      )
    }
    return { ...c, access: { token: t.access_token, expiresAt: now + (typeof t.expires_in === 'number' ? t.expires_in : 3600) * 1000 } }
  },

  // No `write`: an ADC file keeps no access token.

  setup(c, backend, ctx) {
    const project = ctx.project ?? (c.type === 'service_account' ? c.projectId : c.quotaProjectId)
    if (!project)
      return Promise.reject(endpointError('gemini-cli-cloud-project needs GOOGLE_CLOUD_PROJECT (the Google Cloud project with Gemini Code Assist).'))
    return setupCodeAssist({ baseUrl: backend.baseUrl, token: c.access!.token, relogin: reloginOf(c) }, { ...ctx, project })
  },

  sign: (c, call, project) => signCodeAssist(c.access!.token, project, call),
}
