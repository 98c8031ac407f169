import type { Backend, Settings } from '../config/settings'
import type { Transport } from '../upstream/transport'
import { createLogins, type LoginOptions } from './create-logins'
import { createGeminiCliLogins, GEMINI_CLI_LOGIN_KINDS } from './gemini-cli/logins'
import type { CredentialFiles, SubscriptionLogins, UpstreamCallShape } from './types'

/**
 * Every subscription back end's login: the refresh-token CLIs (Codex, Claude Code, Qwen Code:
 * ./create-logins.ts) and the Gemini CLI's Google logins with their Code Assist set-up
 * (./gemini-cli/). Each call goes to the one its back end's catalogue id names. Both send their token
 * and set-up requests through `transport` (the runtime's, with the loop guard's header), and tell
 * `options.learn` every credential they read or obtain, for the redactor.
 */
export function allLogins(files: CredentialFiles, transport: Transport, settings: Settings, options: LoginOptions = {}): SubscriptionLogins {
  const tokenUrls: Record<string, string | undefined> = {}
  let project: string | undefined
  for (const [id, s] of settings.logins) {
    if (!(id in GEMINI_CLI_LOGIN_KINDS)) continue
    if (s.tokenUrlSet) tokenUrls[id] = s.tokenUrl
    project ??= s.vars.GOOGLE_CLOUD_PROJECT || s.vars.GOOGLE_CLOUD_PROJECT_ID
  }
  const gemini = createGeminiCliLogins({ files, transport, tokenUrls, project, now: options.now, timeoutMs: options.timeoutMs, learn: options.learn })
  const others = createLogins(files, transport, settings, options)
  const pick = (backend: Backend) => (backend.provider in GEMINI_CLI_LOGIN_KINDS ? gemini : others)
  return {
    sign: (backend: Backend, ref: string, call: UpstreamCallShape) => pick(backend).sign(backend, ref, call),
    refused: (backend: Backend, ref: string) => pick(backend).refused(backend, ref),
  }
}
