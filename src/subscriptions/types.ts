import type { Backend } from '../config/settings'

/**
 * Files the vendors' own CLIs write after their logins (`~/.codex/auth.json`, `~/.gemini/oauth_creds.json`…).
 * Only Node and Deno have them: their adapters pass this port; a Worker has none, and refuses the
 * subscription back ends with a message that says why.
 */
export interface CredentialFiles {
  /** The file's text, or undefined when it does not exist. `~` is the user's home. */
  read(path: string): Promise<string | undefined>
  /** Replaces the file's text atomically (a temporary file renamed over it), keeping its mode. */
  writeAtomic(path: string, text: string): Promise<void>
}

/** One upstream call as it is about to go: a login may sign it, point it elsewhere, or wrap its body. */
export interface UpstreamCallShape {
  url: string
  headers: Headers
  body: string
}

/**
 * The subscription back ends (catalogue entries with `auth: 'login'`). Their pool's "keys" are
 * credentials files (`<PROVIDER>_CREDENTIALS_FILE=a.json,b.json`), rotated like keys.
 */
export interface SubscriptionLogins {
  /**
   * Signs one upstream call with the credentials in `ref`: a current access token (refreshed when it
   * has expired, once for concurrent callers, the file rewritten in the CLI's own format) and whatever
   * else the vendor's endpoint needs (an account header, a project). Throws a GatewayError
   * (`upstream_auth`) that says which CLI to log in with again when the token cannot be refreshed.
   */
  sign(backend: Backend, ref: string, call: UpstreamCallShape): Promise<UpstreamCallShape>
  /** The upstream refused the token (401): the next `sign` for `ref` refreshes first. */
  refused(backend: Backend, ref: string): void
}
