/**
 * The built-in model table: what the gateway knows of the catalogue's models without being told.
 * Keys are model ids as the provider names them, or `*` globs for a family (the most specific glob
 * wins). Dated snapshots (`-2025-04-14`, `-20250929`), `-latest`, a `models/` prefix and a
 * `vendor/` path (`openai/gpt-5` on OpenRouter) are stripped before matching, so they need no
 * entries of their own (see model-table.ts).
 *
 * `contextWindow` and `maxOutput` are tokens; prices are USD per million tokens (`input`,
 * `cachedInput` for a prompt-cache read, `output`), left out where the provider's own pages did not
 * give them: a host's price for an open-weight model is the host's, not the model's.
 * `reasoning` marks models that always think before answering, so a small output budget can be
 * spent before any answer (REASONING_TOKEN_FLOOR); Claude models think only when asked, so they
 * are not marked.
 *
 * Anything here can be overridden in the config file's `models:` section or with
 * `<PROVIDER>_CONTEXT_WINDOW`; a model not listed simply has no limits checked and no cost.
 *
 * Sources, read on 2026-12-05:
 * - OpenAI: developers.openai.com/api/docs/models/<id> (context window, max output, text-token
 *   prices) and /api/docs/pricing.
 * - Anthropic: platform.claude.com/docs/models/<model>/overview (context window, max output,
 *   input/output price; a cache read costs 0.1× the input price, per the same pages' cache-read rows).
 * - Google: ai.google.dev/gemini-api/docs/models/<id> (input and output token limits) and
 *   ai.google.dev/gemini-api/docs/pricing (prices for prompts up to 200K tokens; longer prompts
 *   cost more on 2.5 Pro and 3 Pro, which this table does not model).
 * - Open-weight models: the model cards' context length (gpt-oss: 131,072; Llama 3.3 70B: 131,072).
 */
export interface KnownModel {
  contextWindow?: number
  maxOutput?: number
  reasoning?: boolean
  input?: number
  cachedInput?: number
  output?: number
}

const gpt41 = { contextWindow: 1_047_576, maxOutput: 32_768, reasoning: false }
const gpt4o = { contextWindow: 128_000, maxOutput: 16_384, reasoning: false }
const oSeries = { contextWindow: 200_000, maxOutput: 100_000, reasoning: true }
const gpt5 = { contextWindow: 400_000, maxOutput: 128_000, reasoning: true }
const claude200k64k = { contextWindow: 200_000, maxOutput: 64_000, reasoning: false }
const claude200k32k = { contextWindow: 200_000, maxOutput: 32_000, reasoning: false }
const claude1m = { contextWindow: 1_000_000, maxOutput: 128_000, reasoning: false }
const gemini = { contextWindow: 1_048_576, maxOutput: 65_536 }

export const KNOWN_MODELS: Readonly<Record<string, KnownModel>> = {
  // ── OpenAI ──────────────────────────────────────────────────────────────────
  'gpt-4.1': { ...gpt41, input: 2, cachedInput: 0.5, output: 8 },
  'gpt-4.1-mini': { ...gpt41, input: 0.4, cachedInput: 0.1, output: 1.6 },
  'gpt-4.1-nano': { ...gpt41, input: 0.1, cachedInput: 0.025, output: 0.4 },
  'gpt-4o': { ...gpt4o, input: 2.5, cachedInput: 1.25, output: 10 },
  'gpt-4o-mini': { ...gpt4o, input: 0.15, cachedInput: 0.075, output: 0.6 },
  'chatgpt-4o*': gpt4o,
  o1: { ...oSeries, input: 15, cachedInput: 7.5, output: 60 },
  o3: { ...oSeries, input: 2, cachedInput: 0.5, output: 8 },
  'o3-mini': { ...oSeries, input: 1.1, cachedInput: 0.55, output: 4.4 },
  'o3-pro': { ...oSeries, input: 20, output: 80 },
  'o4-mini': { ...oSeries, input: 1.1, cachedInput: 0.275, output: 4.4 },
  'o1*': oSeries,
  'o3*': oSeries,
  'o4*': oSeries,
  'codex-mini-latest': { ...oSeries, input: 1.5, cachedInput: 0.375, output: 6 },
  'gpt-5': { ...gpt5, input: 1.25, cachedInput: 0.125, output: 10 },
  'gpt-5-mini': { ...gpt5, input: 0.25, cachedInput: 0.025, output: 2 },
  'gpt-5-nano': { ...gpt5, input: 0.05, cachedInput: 0.005, output: 0.4 },
  'gpt-5-codex': { ...gpt5, input: 1.25, cachedInput: 0.125, output: 10 },
  'gpt-5.1': { ...gpt5, input: 1.25, cachedInput: 0.125, output: 10 },
  'gpt-5*': gpt5,
  // The chat variants (gpt-5-chat-latest) do not reason and have a smaller window.
  'gpt-5*-chat*': { contextWindow: 128_000, maxOutput: 16_384, reasoning: false },
  'gpt-5.4*': { contextWindow: 1_050_000, maxOutput: 128_000, reasoning: true },
  'gpt-5.5*': { contextWindow: 1_050_000, maxOutput: 128_000, reasoning: true },

  // ── Anthropic ───────────────────────────────────────────────────────────────
  'claude-opus-4-1': { ...claude200k32k, input: 15, cachedInput: 1.5, output: 75 },
  'claude-opus-4': { ...claude200k32k, input: 15, cachedInput: 1.5, output: 75 },
  'claude-opus-4-0': { ...claude200k32k, input: 15, cachedInput: 1.5, output: 75 },
  'claude-sonnet-4': { ...claude200k64k, input: 3, cachedInput: 0.3, output: 15 },
  'claude-sonnet-4-0': { ...claude200k64k, input: 3, cachedInput: 0.3, output: 15 },
  'claude-sonnet-4-5': { ...claude200k64k, input: 3, cachedInput: 0.3, output: 15 },
  'claude-haiku-4-5': { ...claude200k64k, input: 1, cachedInput: 0.1, output: 5 },
  'claude-opus-4-5': { ...claude200k64k, input: 5, cachedInput: 0.5, output: 25 },
  'claude-opus-4-8': { ...claude1m, input: 5, cachedInput: 0.5, output: 25 },
  'claude-sonnet-5': { ...claude1m, input: 2, cachedInput: 0.2, output: 10 },
  'claude-opus-5': { ...claude1m, input: 5, cachedInput: 0.5, output: 25 },

  // ── Google ──────────────────────────────────────────────────────────────────
  'gemini-2.5-pro': { ...gemini, reasoning: true, input: 1.25, output: 10 },
  'gemini-2.5-flash': { ...gemini, reasoning: true, input: 0.3, output: 2.5 },
  'gemini-2.5-flash-lite': { ...gemini, reasoning: false, input: 0.1, output: 0.4 },
  'gemini-2.0-flash*': { contextWindow: 1_048_576, maxOutput: 8_192, reasoning: false },
  'gemini-3-pro-preview': { ...gemini, reasoning: true, input: 2, cachedInput: 0.2, output: 12 },
  'gemini-3.1-pro-preview*': { ...gemini, reasoning: true, input: 2, cachedInput: 0.2, output: 12 },
  'gemini-3*': { ...gemini, reasoning: true },

  // ── Open-weight models at the OpenAI-compatible hosts (windows only: prices are each host's) ──
  '*gpt-oss-120b*': { contextWindow: 131_072, reasoning: true },
  '*gpt-oss-20b*': { contextWindow: 131_072, reasoning: true },
  '*llama-3.3-70b*': { contextWindow: 131_072, reasoning: false },
}
