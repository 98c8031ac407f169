import { startGateway, type NodeGateway } from '../../adapters/node'
import type { ScriptedUpstream } from './scripted-upstream'

/**
 * A Node gateway whose OpenAI, Anthropic and Gemini back ends point at one
 * scope of the scripted upstream (test/integration/scripted-upstream.ts), for
 * the resilience tests.
 */
export const CLIENT = 'client-key-resilience'
export const ADMIN = 'admin-key-resilience'
export const OPENAI_KEYS = ['sk-openai-first-key-0001', 'sk-openai-second-key-0002', 'sk-openai-third-key-0003']
export const ANTHROPIC_KEY = 'sk-ant-only-key-0009'
export const GEMINI_KEY = 'AIza-gemini-only-key-0008'

let n = 0
export interface Rig {
  gw: NodeGateway
  scope: string
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<Response>
  get(path: string, key?: string): Promise<Response>
}

export async function rig(up: ScriptedUpstream, env: Record<string, string> = {}): Promise<Rig> {
  const scope = `r${Date.now().toString(36)}-${n++}`
  const gw = await startGateway(
    {
      PROXY_API_KEYS: CLIENT,
      ADMIN_API_KEY: ADMIN,
      OPENAI_API_KEY: OPENAI_KEYS.slice(0, 2).join(','),
      OPENAI_BASE_URL: up.baseFor(scope, '/v1'),
      ANTHROPIC_API_KEY: ANTHROPIC_KEY,
      ANTHROPIC_BASE_URL: up.baseFor(scope),
      GEMINI_API_KEY: GEMINI_KEY,
      GEMINI_BASE_URL: up.baseFor(scope),
      LOG_LEVEL: 'silent',
      LLM_PROXY_LOCAL_DISCOVERY: '0',
      ...env,
    },
    '127.0.0.1',
    0,
  )
  return {
    gw,
    scope,
    post: (path, body, headers = {}) =>
      fetch(`${gw.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${CLIENT}`, ...headers },
        body: JSON.stringify(body),
      }),
    get: (path, key = ADMIN) => fetch(`${gw.url}${path}`, { headers: { authorization: `Bearer ${key}` } }),
  }
}

/** A Chat Completions body; `text` makes a different conversation. */
export const chat = (model: string, text = 'hi', extra: object = {}) => ({ model, messages: [{ role: 'user', content: text }], ...extra })

/** `…abcd` as the gateway shows a key. */
export const hint = (key: string) => `…${key.slice(-4)}`
