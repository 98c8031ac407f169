import type { ProtocolId, UpstreamQuirks } from '../protocols/types'

/**
 * A provider is data: where it lives, which protocol it speaks, how it wants its
 * key. Adding an OpenAI-compatible host is one entry here; no protocol changes.
 */
export interface ProviderEntry {
  id: string
  protocol: ProtocolId
  baseUrl: string
  /** How the upstream key is sent. */
  auth: 'bearer' | 'x-api-key' | 'x-goog-api-key' | 'api-key'
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
}

/** OpenAI's reasoning models take max_completion_tokens and reasoning_effort and refuse sampling knobs. */
const openaiReasoningModel = (model: string) => /^(o\d|gpt-5|codex-)/.test(model) && !/-chat/.test(model)

export const CATALOGUE: readonly ProviderEntry[] = [
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
    id: 'openrouter',
    protocol: 'openai-chat',
    baseUrl: 'https://openrouter.ai/api/v1',
    auth: 'bearer',
    keyRequired: true,
    models: ['openai/gpt-4o', 'anthropic/claude-sonnet-4.5', 'qwen/qwen3-coder'],
    quirks: { reasoningHistory: 'reasoning_details' },
    headers: { 'HTTP-Referer': 'https://github.com/llm-gateway', 'X-Title': 'llm-gateway' },
  },
  {
    id: 'groq',
    protocol: 'openai-chat',
    baseUrl: 'https://api.groq.com/openai/v1',
    auth: 'bearer',
    keyRequired: true,
    models: ['llama-3.3-70b-versatile', 'openai/gpt-oss-120b'],
    quirks: { reasoningHistory: 'none' },
  },
  {
    id: 'deepseek',
    protocol: 'openai-chat',
    baseUrl: 'https://api.deepseek.com/v1',
    auth: 'bearer',
    keyRequired: true,
    models: ['deepseek-chat', 'deepseek-reasoner'],
    modelPatterns: ['deepseek-*'],
    quirks: { reasoningHistory: 'reasoning_content' },
  },
  {
    id: 'mistral',
    protocol: 'openai-chat',
    baseUrl: 'https://api.mistral.ai/v1',
    auth: 'bearer',
    keyRequired: true,
    models: ['mistral-large-latest', 'codestral-latest'],
    quirks: { reasoningHistory: 'none' },
  },
  {
    id: 'xai',
    protocol: 'openai-chat',
    baseUrl: 'https://api.x.ai/v1',
    auth: 'bearer',
    keyRequired: true,
    models: ['grok-4', 'grok-code-fast-1'],
    modelPatterns: ['grok-*'],
    quirks: { reasoningHistory: 'none' },
  },
  {
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
]
