import type { Runtime } from './runtime'

export const NO_BACKEND =
  'No back end is configured: set a provider key such as OPENAI_API_KEY, ANTHROPIC_API_KEY or GEMINI_API_KEY, ' +
  "a local server's URL such as OLLAMA_BASE_URL, or LLM_PROXY_ENDPOINT_<NAME>_URL"

/** The one-line warning when no back end can serve anything (none configured, none discovered, none registered). */
export function noBackendWarning(rt: Pick<Runtime, 'endpoints'>): string | undefined {
  return rt.endpoints.all().some((b) => b.configured) ? undefined : NO_BACKEND
}
