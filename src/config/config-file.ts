import { parse as parseYaml } from 'yaml'
import { z } from 'zod'
import { SettingsError } from './settings-error'
import { commandPatternSchema, rewriteRuleSchema } from './interactive-settings'

/**
 * The optional config file (YAML or JSON): `--config FILE` on Node and Deno, the
 * `PROXY_CONFIG` binding (its text) on Workers.
 *
 *   settings:        # any setting by its variable name; the environment wins over these
 *     DEFAULT_BACKEND: openai:gpt-4.1
 *   endpoints:       # the same fields as LLM_PROXY_ENDPOINT_* and the registry API
 *     - { id: box, url: http://10.0.0.5:8000/v1, provider: vllm, models: [qwen3] }
 *   aliases:         # model names clients hard-code → any selector; * globs
 *     "claude-3-5-haiku*": openrouter:qwen/qwen3-coder
 *   routes:          # a model equal to a name tries these in order
 *     coding: [anthropic:claude-sonnet-4-5, openai:gpt-4.1]
 *   models:          # the model table's entries, over the built-in ones: `backend:model`, a bare model, * globs
 *     "box:qwen3-coder": { context_window: 32768, max_output: 8192 }
 *     "claude-sonnet-4-5*": { input_price: 3, cached_input_price: 0.3, output_price: 15 }
 *   clients:         # named client keys with optional limits (see src/config/clients.ts)
 *     - { name: ci, key: sk-ci-…, rpm: 60, tpm: 100000, daily_tokens: 2000000, tools_deny: ["web_*"] }
 *     - { name: audit, key: sk-audit-…, capture: true }   # wire capture for this client (README "Capture")
 *   dangerous_commands:  # more destructive-command patterns (regex on the normalised command)
 *     - { pattern: '\bterraform\s+destroy\b', reason: destroys infrastructure }
 *   allowed_commands:    # exemptions, checked first
 *     - 'rm -rf (\./)?node_modules\b'
 *   rewrites:        # content rewriting: target system|user|reply, match text or /regex/flags
 *     - { target: reply, match: Sure!, action: replace, text: OK. }
 */
export const configFileSchema = z.strictObject({
  settings: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String)).optional(),
  endpoints: z.array(z.record(z.string(), z.unknown())).optional(),
  aliases: z.record(z.string(), z.string()).optional(),
  /** Named failover routes: `name: [selector, …]` (each entry may itself be `a|b` or `a^b`). */
  routes: z.record(z.string(), z.union([z.string().transform((s) => [s]), z.array(z.string().min(1)).min(1)])).optional(),
  /** Per-model facts over the built-in model table (src/models/): limits, reasoning, prices in USD per million tokens. */
  models: z.record(z.string().min(1), modelEntrySchema()).optional(),
  /** Named clients `{ name, key, rpm?, tpm?, daily_tokens? }`, each checked in settings (errors name `clients[i].field`). */
  clients: z.array(z.unknown()).optional(),
  /** Destructive-command patterns over the built-in list, and exemptions (src/interceptors/dangerous-command-guard.ts). */
  dangerous_commands: z.array(commandPatternSchema).optional(),
  allowed_commands: z.array(commandPatternSchema).optional(),
  /** Content rewriting rules (src/interceptors/rewrite-content.ts). */
  rewrites: z.array(rewriteRuleSchema).optional(),
})

function modelEntrySchema() {
  const tokens = z.number().int().positive()
  const price = z.number().nonnegative().finite()
  return z.strictObject({
    context_window: tokens.optional(),
    max_output: tokens.optional(),
    reasoning: z.boolean().optional(),
    input_price: price.optional(),
    cached_input_price: price.optional(),
    output_price: price.optional(),
  })
}

export type ConfigFile = z.output<typeof configFileSchema>

export function parseConfigFile(text: string, name = 'config file'): ConfigFile {
  let raw: unknown
  try {
    raw = text.trim().startsWith('{') ? JSON.parse(text) : parseYaml(text)
  } catch (err) {
    throw new SettingsError(`Invalid ${name}: ${(err as Error).message.split('\n')[0]}`)
  }
  const parsed = configFileSchema.safeParse(raw ?? {})
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    throw new SettingsError(`Invalid ${name} at ${issue.path.join('.') || '(top)'}: ${issue.message}`)
  }
  return parsed.data
}
