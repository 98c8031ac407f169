import type { ProtocolId, UpstreamQuirks } from '../protocols/types'

/**
 * A provider is data: where it lives, which protocol it speaks, how it wants its
 * key. Adding an OpenAI-compatible host is one entry here; no protocol changes.
 */
export interface ProviderEntry {
  id: string
  protocol: ProtocolId
  baseUrl: string
  /**
   * How the upstream key is sent; `login`: the "keys" are a vendor CLI's credentials files, and the
   * runtime's SubscriptionLogins signs each call (src/subscriptions/).
   */
  auth: 'bearer' | 'x-api-key' | 'x-goog-api-key' | 'api-key' | 'login'
  /** Local servers run without a key; hosted ones refuse to be called without one. */
  keyRequired: boolean
  /** Models offered in the model lists when no live list is known. */
  models: string[]
  /** Bare model names this provider claims for routing (`*` globs). */
  modelPatterns?: string[]
  quirks?: UpstreamQuirks
  /** Extra headers the host asks for (identity headers and the like). */
  headers?: Record<string, string>
  /** Another entry whose key and base URL this one uses when its own are unset. */
  sharesSettingsWith?: string
  /**
   * The generate path below the base URL when it is not the protocol's usual one,
   * with `{model}` and `{apiVersion}` filled in (Azure: `/openai/deployments/{model}/chat/completions?api-version={apiVersion}`).
   */
  pathTemplate?: string
  /** Default for `{apiVersion}`; `<PROVIDER>_API_VERSION` overrides it. */
  apiVersion?: string
  /**
   * The base URL is the user's own (an Azure resource endpoint): `baseUrl` is only
   * a placeholder, and the back end is unusable until `<PROVIDER>_BASE_URL` is set,
   * even with a key.
   */
  baseUrlRequired?: boolean
}

/** The models the Gemini CLI offers (google-gemini/gemini-cli packages/core/src/config/models.ts). */
const GEMINI_CLI_MODELS = ['gemini-2.5-pro', 'gemini-2.5-flash', 'gemini-2.5-flash-lite', 'gemini-3-pro-preview', 'gemini-3.1-pro-preview', 'gemini-3-flash-preview']

/** OpenAI's reasoning models take max_completion_tokens and reasoning_effort and refuse sampling knobs. */
const openaiReasoningModel = (model: string) => /^(o\d|gpt-5|codex-)/.test(model) && !/-chat/.test(model)

export const CATALOGUE: readonly ProviderEntry[] = [
  // ── First-party APIs ────────────────────────────────────────────────────────
  {
    id: 'openai',
    protocol: 'openai-chat',
    baseUrl: 'https://api.openai.com/v1',
    auth: 'bearer',
    keyRequired: true,
    models: ['gpt-4.1', 'gpt-4.1-mini', 'gpt-4o', 'gpt-4o-mini', 'gpt-5', 'gpt-5-mini', 'o3', 'o4-mini'],
    modelPatterns: ['gpt-*', 'o1*', 'o3*', 'o4*', 'chatgpt-*', 'codex-*'],
    quirks: { reasoningHistory: 'none', reasoningModel: openaiReasoningModel },
  },
  {
    id: 'anthropic',
    protocol: 'anthropic',
    baseUrl: 'https://api.anthropic.com',
    auth: 'x-api-key',
    keyRequired: true,
    models: ['claude-opus-4-1', 'claude-sonnet-4-5', 'claude-haiku-4-5'],
    modelPatterns: ['claude-*'],
  },
  {
    id: 'gemini',
    protocol: 'gemini',
    baseUrl: 'https://generativelanguage.googleapis.com',
    auth: 'x-goog-api-key',
    keyRequired: true,
    models: ['gemini-2.5-pro', 'gemini-2.5-flash', 'gemini-2.5-flash-lite'],
    modelPatterns: ['gemini-*', 'gemma-*'],
  },
  {
    // OpenAI's Responses API, for models that exist only there (and for Codex pass-through).
    id: 'openai-responses',
    sharesSettingsWith: 'openai',
    protocol: 'openai-responses',
    baseUrl: 'https://api.openai.com/v1',
    auth: 'bearer',
    keyRequired: true,
    models: ['gpt-5', 'gpt-5-codex', 'o3-pro', 'codex-mini-latest'],
    quirks: { reasoningModel: openaiReasoningModel },
  },
  {
    // Azure OpenAI: the base URL is your resource endpoint (AZURE_OPENAI_BASE_URL,
    // `https://<resource>.openai.azure.com`), the model is your deployment name
    // (list them in AZURE_OPENAI_MODELS), the key goes in `api-key`.
    // 2024-10-21 is the latest GA data-plane version (AZURE_OPENAI_API_VERSION to change it).
    id: 'azure-openai',
    protocol: 'openai-chat',
    baseUrl: 'https://YOUR-RESOURCE.openai.azure.com',
    baseUrlRequired: true,
    auth: 'api-key',
    keyRequired: true,
    models: [],
    pathTemplate: '/openai/deployments/{model}/chat/completions?api-version={apiVersion}',
    apiVersion: '2024-10-21',
    // Deployments are usually named after their model, so OpenAI's reasoning-model rule applies.
    quirks: { reasoningHistory: 'none', reasoningModel: openaiReasoningModel },
  },

  // ── Routers and aggregators ─────────────────────────────────────────────────
  {
    // Identity headers for OpenRouter's app attribution. X-OpenRouter-Title is the
    // newer name; X-Title is still honoured. A client's own headers win on
    // pass-through, and an endpoint definition's `headers` replace these.
    id: 'openrouter',
    protocol: 'openai-chat',
    baseUrl: 'https://openrouter.ai/api/v1',
    auth: 'bearer',
    keyRequired: true,
    models: ['openai/gpt-5', 'anthropic/claude-sonnet-4.5', 'z-ai/glm-5.3', 'qwen/qwen3-coder'],
    quirks: { reasoningHistory: 'reasoning_details' },
    headers: { 'HTTP-Referer': 'https://github.com/llm-gateway', 'X-Title': 'llm-gateway' },
  },
  {
    // ZenMux: `vendor/model` slugs; also serves Anthropic Messages at https://zenmux.ai/api/anthropic.
    id: 'zenmux',
    protocol: 'openai-chat',
    baseUrl: 'https://zenmux.ai/api/v1',
    auth: 'bearer',
    keyRequired: true,
    models: ['openai/gpt-5', 'anthropic/claude-sonnet-4.5', 'google/gemini-2.5-pro'],
    quirks: { reasoningHistory: 'none' },
  },
  {
    // NVIDIA NIM on build.nvidia.com (hosted); a self-hosted NIM takes NVIDIA_BASE_URL.
    id: 'nvidia',
    protocol: 'openai-chat',
    baseUrl: 'https://integrate.api.nvidia.com/v1',
    auth: 'bearer',
    keyRequired: true,
    models: ['nvidia/nemotron-3-super-120b-a12b', 'nvidia/nemotron-3-nano-30b-a3b', 'meta/llama-3.3-70b-instruct'],
    quirks: { reasoningHistory: 'none' },
  },

  // ── Model labs ──────────────────────────────────────────────────────────────
  {
    // DeepSeek. In thinking mode (the default) an assistant turn that called tools
    // must carry its reasoning_content back, or the API answers 400
    // (api-docs.deepseek.com/guides/thinking_mode); elsewhere it is ignored, not refused.
    // Also speaks Anthropic at https://api.deepseek.com/anthropic (DEEPSEEK_PROTOCOL=anthropic
    // with that DEEPSEEK_BASE_URL); Chat Completions is kept as it has fewer documented limits.
    id: 'deepseek',
    protocol: 'openai-chat',
    baseUrl: 'https://api.deepseek.com',
    auth: 'bearer',
    keyRequired: true,
    models: ['deepseek-flash', 'deepseek-v4-pro'],
    modelPatterns: ['deepseek-*'],
    quirks: { reasoningHistory: 'reasoning_content', reasoningContentRequired: true },
  },
  {
    // Mistral validates strictly: tool-call ids must be 9 characters of [a-zA-Z0-9],
    // unknown fields are a 422 (`stream_options`, `user`; usage comes in the last
    // stream chunk anyway) and the seed is `random_seed`.
    id: 'mistral',
    protocol: 'openai-chat',
    baseUrl: 'https://api.mistral.ai/v1',
    auth: 'bearer',
    keyRequired: true,
    models: ['mistral-medium-latest', 'mistral-large-latest', 'devstral-medium-latest', 'codestral-latest'],
    modelPatterns: ['mistral-*', 'magistral-*', 'codestral-*', 'devstral-*', 'ministral-*'],
    quirks: {
      reasoningHistory: 'none',
      toolCallIds: 'alphanumeric9',
      dropParams: ['stream_options', 'user'],
      renameParams: { seed: 'random_seed' },
    },
  },
  {
    id: 'xai',
    protocol: 'openai-chat',
    baseUrl: 'https://api.x.ai/v1',
    auth: 'bearer',
    keyRequired: true,
    models: ['grok-4.5', 'grok-4.3', 'grok-code-fast-1'],
    modelPatterns: ['grok-*'],
    quirks: { reasoningHistory: 'none' },
  },
  {
    // Z.ai (GLM), pay-as-you-go API. Interleaved thinking: the reasoning of a
    // tool-call turn should go back with the tool results. Also speaks Anthropic
    // at https://api.z.ai/api/anthropic.
    id: 'zai',
    protocol: 'openai-chat',
    baseUrl: 'https://api.z.ai/api/paas/v4',
    auth: 'bearer',
    keyRequired: true,
    models: ['glm-5.3', 'glm-5.3-flash'],
    modelPatterns: ['glm-*'],
    quirks: { reasoningHistory: 'reasoning_content' },
  },
  {
    // The GLM Coding Plan has its own endpoint (the general one bills the key per token).
    // Anthropic alternative: https://api.z.ai/api/anthropic.
    id: 'zai-coding-plan',
    protocol: 'openai-chat',
    baseUrl: 'https://api.z.ai/api/coding/paas/v4',
    auth: 'bearer',
    keyRequired: true,
    models: ['glm-5.3', 'glm-5.3-flash'],
    quirks: { reasoningHistory: 'reasoning_content' },
  },
  {
    // Kimi Code (Moonshot's coding subscription, sk-kimi-… keys). On Anthropic
    // Messages: thinking and tool use come back as proper blocks, and on
    // pass-through the coding agent's own User-Agent reaches Kimi, which serves
    // only recognised coding agents. Chat Completions alternative:
    // KIMI_CODE_PROTOCOL=openai-chat with KIMI_CODE_BASE_URL=https://api.kimi.com/coding/v1
    // (there, a thinking tool-call turn without reasoning_content is refused).
    id: 'kimi-code',
    protocol: 'anthropic',
    baseUrl: 'https://api.kimi.com/coding',
    auth: 'x-api-key',
    keyRequired: true,
    models: ['kimi-for-coding'],
    quirks: { reasoningHistory: 'reasoning_content', reasoningContentRequired: true },
  },
  {
    // MiniMax recommends its Anthropic endpoint: thinking arrives as separate
    // blocks (over /v1 it is inline <think> text) and the full assistant turn
    // must go back in multi-turn tool use. Chat Completions alternative:
    // MINIMAX_PROTOCOL=openai-chat with MINIMAX_BASE_URL=https://api.minimax.io/v1.
    // Mainland China: https://api.minimaxi.com/anthropic.
    id: 'minimax',
    protocol: 'anthropic',
    baseUrl: 'https://api.minimax.io/anthropic',
    auth: 'x-api-key',
    keyRequired: true,
    models: ['MiniMax-M3', 'MiniMax-M2.7'],
    modelPatterns: ['MiniMax-*'],
  },
  {
    // InternLM / Intern-S1 (Shanghai AI Lab); `intern-latest` follows the newest release.
    id: 'internlm',
    protocol: 'openai-chat',
    baseUrl: 'https://chat.intern-ai.org.cn/api/v1',
    auth: 'bearer',
    keyRequired: true,
    models: ['intern-latest', 'intern-s1-pro', 'intern-s1'],
    quirks: { reasoningHistory: 'none' },
  },
  {
    id: 'perplexity',
    protocol: 'openai-chat',
    baseUrl: 'https://api.perplexity.ai',
    auth: 'bearer',
    keyRequired: true,
    models: ['sonar-pro', 'sonar', 'sonar-reasoning-pro'],
    modelPatterns: ['sonar*'],
    quirks: { reasoningHistory: 'none' },
  },

  // ── Inference hosts ─────────────────────────────────────────────────────────
  {
    id: 'groq',
    protocol: 'openai-chat',
    baseUrl: 'https://api.groq.com/openai/v1',
    auth: 'bearer',
    keyRequired: true,
    models: ['openai/gpt-oss-120b', 'openai/gpt-oss-20b', 'llama-3.3-70b-versatile'],
    quirks: { reasoningHistory: 'none' },
  },
  {
    id: 'together',
    protocol: 'openai-chat',
    baseUrl: 'https://api.together.xyz/v1',
    auth: 'bearer',
    keyRequired: true,
    models: ['moonshotai/Kimi-K2.5', 'zai-org/GLM-5.3', 'openai/gpt-oss-120b'],
    quirks: { reasoningHistory: 'none' },
  },
  {
    id: 'fireworks',
    protocol: 'openai-chat',
    baseUrl: 'https://api.fireworks.ai/inference/v1',
    auth: 'bearer',
    keyRequired: true,
    models: ['accounts/fireworks/models/kimi-k3', 'accounts/fireworks/models/gpt-oss-120b'],
    quirks: { reasoningHistory: 'none' },
  },
  {
    id: 'sambanova',
    protocol: 'openai-chat',
    baseUrl: 'https://api.sambanova.ai/v1',
    auth: 'bearer',
    keyRequired: true,
    models: ['gpt-oss-120b', 'DeepSeek-V3.1', 'Meta-Llama-3.3-70B-Instruct'],
    quirks: { reasoningHistory: 'none' },
  },

  // ── Local servers (no key; setting <PROVIDER>_BASE_URL enables them) ─────────
  {
    // Ollama's OpenAI-compatible API.
    id: 'ollama',
    protocol: 'openai-chat',
    baseUrl: 'http://127.0.0.1:11434/v1',
    auth: 'bearer',
    keyRequired: false,
    models: [],
    quirks: { reasoningHistory: 'none' },
  },
  {
    id: 'lmstudio',
    protocol: 'openai-chat',
    baseUrl: 'http://127.0.0.1:1234/v1',
    auth: 'bearer',
    keyRequired: false,
    models: [],
    quirks: { reasoningHistory: 'none' },
  },
  {
    id: 'vllm',
    protocol: 'openai-chat',
    baseUrl: 'http://127.0.0.1:8000/v1',
    auth: 'bearer',
    keyRequired: false,
    models: [],
    quirks: { reasoningHistory: 'reasoning_content' },
  },
  {
    // LiteLLM proxy; LITELLM_API_KEY is its master or virtual key when it has one.
    id: 'litellm',
    protocol: 'openai-chat',
    baseUrl: 'http://127.0.0.1:4000/v1',
    auth: 'bearer',
    keyRequired: false,
    models: [],
    quirks: { reasoningHistory: 'none' },
  },

  // ── Subscription back ends: a vendor CLI's login on this machine (Node and Deno only; src/subscriptions/) ──
  {
    // ChatGPT Plus/Pro through Codex's login (~/.codex/auth.json); answers only as a stream.
    id: 'openai-codex',
    protocol: 'openai-responses',
    baseUrl: 'https://chatgpt.com/backend-api/codex',
    auth: 'login',
    keyRequired: true,
    models: ['gpt-5.5', 'gpt-5.4', 'gpt-5.4-mini', 'gpt-5.3-codex', 'gpt-5-codex', 'gpt-5'],
    quirks: { reasoningModel: openaiReasoningModel, streamsOnly: true },
  },
  {
    // Claude Pro/Max through Claude Code's login (~/.claude/.credentials.json).
    id: 'anthropic-oauth',
    protocol: 'anthropic',
    baseUrl: 'https://api.anthropic.com',
    auth: 'login',
    keyRequired: true,
    models: ['claude-opus-4-1', 'claude-sonnet-4-5', 'claude-haiku-4-5'],
  },
  {
    // qwen.ai through Qwen Code's login (~/.qwen/oauth_creds.json); the file's resource_url names the host.
    id: 'qwen-oauth',
    protocol: 'openai-chat',
    baseUrl: 'https://dashscope.aliyuncs.com/compatible-mode/v1',
    auth: 'login',
    keyRequired: true,
    models: ['coder-model', 'vision-model', 'qwen3-coder-plus', 'qwen3-coder-flash'],
    quirks: { reasoningHistory: 'reasoning_content' },
  },
  // ── Gemini CLI logins (src/subscriptions/gemini-cli/) ────────────────────────
  // The Code Assist endpoint the Gemini CLI speaks (code_assist/server.ts); the models its
  // config/models.ts lists. No model patterns: a bare `gemini-*` stays with the API-key back end.
  {
    // `~/.gemini/oauth_creds.json` from the Gemini CLI's "Login with Google"; the free tier's project set up on first use.
    id: 'gemini-cli-oauth-personal',
    protocol: 'gemini-code-assist',
    baseUrl: 'https://cloudcode-pa.googleapis.com',
    auth: 'login',
    keyRequired: true,
    models: GEMINI_CLI_MODELS,
  },
  {
    // GOOGLE_CLOUD_PROJECT with Application Default Credentials (a service-account key or `gcloud auth application-default login`).
    id: 'gemini-cli-cloud-project',
    protocol: 'gemini-code-assist',
    baseUrl: 'https://cloudcode-pa.googleapis.com',
    auth: 'login',
    keyRequired: true,
    models: GEMINI_CLI_MODELS,
  },
]
