import { anthropicOauthLogin } from './anthropic-oauth'
import type { LoginKind } from './login-kind'
import { openaiCodexLogin } from './openai-codex'
import { qwenOauthLogin } from './qwen-oauth'

/**
 * Every subscription back end's login, by catalogue id (the entries with `auth: 'login'`).
 * One line per vendor CLI; its file is src/subscriptions/<id>.ts.
 */
export const LOGIN_KINDS: Readonly<Record<string, LoginKind>> = {
  'openai-codex': openaiCodexLogin,
  'anthropic-oauth': anthropicOauthLogin,
  'qwen-oauth': qwenOauthLogin,
}
