import type { ProtocolId } from '../protocols/types'

/**
 * What each protocol's base URL holds: the gateway appends the rest
 * (`/chat/completions`, `/responses`, `/v1/messages`, `/v1beta/models/…`).
 * OpenAI-compatible: up to and with the version path (`https://api.openai.com/v1`,
 * `https://api.deepseek.com`, `https://api.z.ai/api/paas/v4`); Anthropic: without `/v1`
 * (`https://api.anthropic.com`); Gemini: without `/v1beta` (`https://generativelanguage.googleapis.com`).
 */
export const BASE_URL_FORM: Record<ProtocolId, string> = {
  'openai-chat': 'OpenAI-compatible base URLs include the version path, usually /v1 (https://api.openai.com/v1)',
  'openai-responses': 'OpenAI-compatible base URLs include the version path, usually /v1 (https://api.openai.com/v1)',
  anthropic: 'Anthropic base URLs stop before /v1 (https://api.anthropic.com)',
  gemini: 'Gemini base URLs stop before /v1beta (https://generativelanguage.googleapis.com)',
  'gemini-code-assist': 'Code Assist base URLs stop before /v1internal (https://cloudcode-pa.googleapis.com)',
}

/** Endings that are part of the path the gateway adds, so a pasted one is a mistake it can undo. */
const EXTRA: Record<ProtocolId, RegExp> = {
  'openai-chat': /\/chat\/completions$/,
  'openai-responses': /\/responses$/,
  anthropic: /\/v1(\/messages)?$/,
  gemini: /\/v1(beta)?(\/models)?$/,
  'gemini-code-assist': /\/v1internal$/,
}

/**
 * A base URL with what the gateway appends itself taken off its end (`…/v1` for
 * Anthropic, `…/v1beta` for Gemini, `…/chat/completions` for OpenAI); `dropped`
 * says what, for the debug log. A missing `/v1` on an OpenAI-compatible host cannot
 * be guessed (many hosts use another version path): an upstream 404 names the URL called.
 */
export function normaliseBaseUrl(url: string, protocol: ProtocolId): { url: string; dropped?: string } {
  const m = EXTRA[protocol].exec(url)
  if (!m || m.index === 0 || !/^https?:\/\/[^/]+\/?/.test(url.slice(0, m.index + 1))) return { url }
  return { url: url.slice(0, m.index), dropped: m[0] }
}
