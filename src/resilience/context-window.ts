import type { Backend } from '../config/settings'
import { GatewayError } from '../hub/errors'
import { estimateTokens } from '../hub/estimate-tokens'
import type { HubRequest } from '../hub/request'
import type { ModelInfo } from '../models/model-table'
import { DEFAULT_MAX_TOKENS } from '../protocols/anthropic/encode-request'

export const CONTEXT_LENGTH_EXCEEDED = 'context_length_exceeded'

/**
 * Does the request fit the model's context window? Undefined when it does, or when the window is
 * unknown; else a 400 to answer (or to fail over on) before anything goes upstream.
 *
 * The input is the gateway's estimate (hub/estimate-tokens.ts). Toward Anthropic the requested
 * output counts too (input + `max_tokens` must fit; the gateway's own default of 8,192 when the
 * client gave none, as the encoder sends it), and toward OpenAI-style back ends a `max_tokens` the
 * client set (OpenAI and the compatible hosts refuse prompt + completion beyond the window); Gemini
 * limits input alone.
 *
 * The error renders natively in each front end: OpenAI `invalid_request_error` with
 * `code: "context_length_exceeded"`, Anthropic `invalid_request_error` whose message starts as
 * Anthropic's own (`prompt is too long: N tokens > M maximum`, which Claude Code reads to compact
 * the conversation), Gemini 400 `INVALID_ARGUMENT`.
 */
export function checkContextWindow(
  hub: HubRequest,
  backend: Pick<Backend, 'id' | 'protocol'>,
  model: string,
  info: ModelInfo,
): GatewayError | undefined {
  const window = info.contextWindow
  if (window === undefined) return undefined
  const input = estimateTokens(hub)
  const output =
    backend.protocol === 'anthropic' ? (hub.maxTokens ?? DEFAULT_MAX_TOKENS) : backend.protocol === 'gemini' ? 0 : (hub.maxTokens ?? 0)
  const total = input + output
  if (total <= window) return undefined
  const outputNote = output
    ? ` + ${output} max_tokens${backend.protocol === 'anthropic' && hub.maxTokens === undefined ? " (the gateway's default)" : ''}`
    : ''
  return new GatewayError(
    'invalid_request',
    `prompt is too long: ${total} tokens > ${window} maximum for ${backend.id}:${model} ` +
      `(the gateway's estimate: about ${input} input tokens${outputNote}; the model's context window is ${window} tokens)`,
    { code: CONTEXT_LENGTH_EXCEEDED },
  )
}

/**
 * A cheap test before decoding a passed-through body to check it: a body of fewer characters than
 * the window has tokens is far inside it (text runs about four characters a token), so only a body
 * at least that long needs `checkContextWindow`.
 */
export function mayExceedContextWindow(bodyChars: number, info: ModelInfo): boolean {
  return info.contextWindow !== undefined && bodyChars >= info.contextWindow
}

/**
 * Upstream refusals that mean "the prompt does not fit this model", in each provider's words, so the
 * attempt loop can try the next failover entry (whose window may be larger) instead of answering.
 * OpenAI and the hosts that copy it: code `context_length_exceeded`, "This model's maximum context
 * length is N tokens…", Responses' "Your input exceeds the context window of this model";
 * Anthropic: "prompt is too long: N tokens > M maximum", "input length and `max_tokens` exceed
 * context limit"; Gemini: "The input token count (N) exceeds the maximum number of tokens allowed (M)";
 * xAI "maximum prompt length", Together "`inputs` tokens + `max_new_tokens` must be <= N",
 * Fireworks "The prompt is too long", Mistral "too large for model with N maximum context length",
 * llama.cpp "exceeds the available context size", LM Studio "context … overflows", Ollama
 * "exceeds the context length".
 */
const CONTEXT_MESSAGES: RegExp[] = [
  /context[_ ]length[_ ]exceeded/i,
  /maximum context length/i,
  /prompt is too long/i,
  /exceeds? (?:the )?context (?:limit|window|length)/i,
  /input length and `?max_tokens`? exceed/i,
  /exceeds the maximum number of tokens allowed/i,
  /input token count[^.]{0,40}exceeds/i,
  /maximum prompt length/i,
  /`?inputs`? tokens \+ `?max_new_tokens`? must be/i,
  /exceeds? the available context size|exceed_context_size/i,
  /context (?:the )?overflows/i,
  /context window (?:is )?(?:exceeded|too small)/i,
]

/** Statuses a context-length refusal comes with: a 4xx that is not about keys, paths or rates (some hosts use 413 or 422). */
const NOT_CONTEXT = new Set([401, 402, 403, 404, 405, 408, 429])

export function isContextWindowError(err: GatewayError, status: number, backend?: Pick<Backend, 'protocol'>): boolean {
  if (status < 400 || status >= 500 || NOT_CONTEXT.has(status)) return false
  if (err.code === CONTEXT_LENGTH_EXCEEDED) return true
  // Anthropic's 413 `request_too_large` is the body's bytes (32 MB), not the window: another entry would refuse it too.
  if (backend?.protocol === 'anthropic' && status === 413) return false
  const message = err.message
  return CONTEXT_MESSAGES.some((re) => re.test(message))
}
