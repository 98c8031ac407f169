import { describe, expect, it } from 'vitest'
import { parseConfigFile } from '../../src/config/config-file'
import { loadSettings } from '../../src/config/settings'
import { candidates, modelInfo } from '../../src/models/model-table'
import { KNOWN_MODELS } from '../../src/models/known-models'
import { CATALOGUE } from '../../src/providers/catalogue'

const plain = loadSettings({})

describe('model table: built-in entries', () => {
  it('exact ids give window, max output, reasoning and prices', () => {
    expect(modelInfo(plain, 'openai', 'gpt-4.1')).toEqual({
      contextWindow: 1_047_576,
      maxOutput: 32_768,
      reasoning: false,
      prices: { inputPerMTok: 2, outputPerMTok: 8, cachedInputPerMTok: 0.5 },
    })
    expect(modelInfo(plain, 'anthropic', 'claude-sonnet-4-5')).toMatchObject({ contextWindow: 200_000, maxOutput: 64_000, reasoning: false })
    expect(modelInfo(plain, 'gemini', 'gemini-2.5-pro')).toMatchObject({ contextWindow: 1_048_576, maxOutput: 65_536, reasoning: true })
    expect(modelInfo(plain, 'openai', 'o3').reasoning).toBe(true)
  })

  it('dated snapshots, -latest, models/ and vendor/ prefixes find their family', () => {
    expect(modelInfo(plain, 'anthropic', 'claude-sonnet-4-5-20250929').contextWindow).toBe(200_000)
    expect(modelInfo(plain, 'openai', 'gpt-4.1-2025-04-14').prices?.inputPerMTok).toBe(2)
    expect(modelInfo(plain, 'gemini', 'models/gemini-2.5-pro').contextWindow).toBe(1_048_576)
    expect(modelInfo(plain, 'gemini', 'gemini-2.5-flash-preview-05-20').contextWindow).toBe(1_048_576)
    expect(modelInfo(plain, 'openrouter', 'openai/gpt-5').contextWindow).toBe(400_000)
    // OpenRouter spells Claude versions with a dot.
    expect(modelInfo(plain, 'openrouter', 'anthropic/claude-sonnet-4.5').maxOutput).toBe(64_000)
    expect(modelInfo(plain, 'fireworks', 'accounts/fireworks/models/gpt-oss-120b').contextWindow).toBe(131_072)
    expect(candidates('Models/GPT-4.1-2025-04-14')).toContain('gpt-4.1')
  })

  it('globs cover families, the most specific first', () => {
    expect(modelInfo(plain, 'openai', 'gpt-5.2').contextWindow).toBe(400_000)
    expect(modelInfo(plain, 'openai', 'gpt-5-chat-latest')).toMatchObject({ contextWindow: 128_000, reasoning: false })
    expect(modelInfo(plain, 'openai', 'gpt-5.5-pro').contextWindow).toBe(1_050_000)
    expect(modelInfo(plain, 'groq', 'llama-3.3-70b-versatile').contextWindow).toBe(131_072)
    expect(modelInfo(plain, 'sambanova', 'Meta-Llama-3.3-70B-Instruct').contextWindow).toBe(131_072)
  })

  it('an unknown model has no limits and no prices; a host open model has a window but no price', () => {
    expect(modelInfo(plain, 'ollama', 'my-finetune')).toEqual({})
    expect(modelInfo(plain, 'groq', 'openai/gpt-oss-120b').prices).toBeUndefined()
  })

  it("the provider's own reasoning rule covers OpenAI ids the table lacks", () => {
    expect(modelInfo(plain, 'openai', 'codex-2027').reasoning).toBe(true)
    expect(modelInfo(plain, 'anthropic', 'claude-unknown').reasoning).toBeUndefined()
  })

  it('every first-party catalogue model is in the table', () => {
    for (const id of ['openai', 'anthropic', 'gemini', 'openai-responses'])
      for (const m of CATALOGUE.find((p) => p.id === id)!.models) expect(modelInfo(plain, id, m).contextWindow, `${id}:${m}`).toBeGreaterThan(0)
    for (const [k, v] of Object.entries(KNOWN_MODELS)) {
      if (v.input !== undefined) expect(v.output, k).toBeDefined()
      if (v.cachedInput !== undefined) expect(v.cachedInput, k).toBeLessThan(v.input!)
    }
  })
})

describe('model table: overrides', () => {
  const config = parseConfigFile(`
models:
  "ollama:qwen3-coder": { context_window: 32768, max_output: 8192, reasoning: true }
  "ollama:*": { context_window: 8192 }
  "claude-sonnet-4-5*": { input_price: 2.5, output_price: 12 }
  "*:llama3:8b": { context_window: 4096 }
  "gpt-4.1": { context_window: 100000 }
`)
  const s = loadSettings({ OLLAMA_BASE_URL: 'http://127.0.0.1:11434/v1', OLLAMA_CONTEXT_WINDOW: '16384', ANTHROPIC_CONTEXT_WINDOW: '1000000' }, config)

  it('backend:model beats backend:* beats <PROVIDER>_CONTEXT_WINDOW', () => {
    expect(modelInfo(s, 'ollama', 'qwen3-coder')).toEqual({ contextWindow: 32_768, maxOutput: 8192, reasoning: true })
    expect(modelInfo(s, 'ollama', 'mistral')).toEqual({ contextWindow: 8192 })
  })

  it('<PROVIDER>_CONTEXT_WINDOW sets the window of every model of the provider over the table', () => {
    expect(modelInfo(s, 'anthropic', 'claude-opus-4-1').contextWindow).toBe(1_000_000)
    expect(modelInfo(s, 'anthropic', 'claude-opus-4-1').maxOutput).toBe(32_000)
    expect(modelInfo(loadSettings({ OLLAMA_CONTEXT_WINDOW: '16384' }), 'ollama', 'anything').contextWindow).toBe(16_384)
  })

  it('a bare-model entry overrides only its fields; the rest comes from the table', () => {
    const info = modelInfo(s, 'anthropic', 'claude-sonnet-4-5-20250929')
    expect(info.prices).toEqual({ inputPerMTok: 2.5, outputPerMTok: 12, cachedInputPerMTok: 0.3 })
    expect(info.maxOutput).toBe(64_000)
    // The bare entry is more specific than the provider-wide window setting.
    expect(modelInfo(s, 'openai', 'gpt-4.1').contextWindow).toBe(100_000)
    expect(modelInfo(s, 'openrouter', 'llama3:8b').contextWindow).toBe(4096)
  })

  it('answers are cached per settings and stay the same object', () => {
    expect(modelInfo(s, 'ollama', 'qwen3-coder')).toBe(modelInfo(s, 'ollama', 'qwen3-coder'))
  })

  it('bad entries and settings are errors that name them', () => {
    expect(() => parseConfigFile('models:\n  x: { context_window: -1 }')).toThrow(/models\.x\.context_window/)
    expect(() => parseConfigFile('models:\n  x: { window: 5 }')).toThrow(/models\.x/)
    expect(() => loadSettings({ OPENAI_CONTEXT_WINDOW: 'big' })).toThrow(/OPENAI_CONTEXT_WINDOW/)
    expect(() => loadSettings({ REASONING_TOKEN_FLOOR: '-5' })).toThrow(/REASONING_TOKEN_FLOOR/)
  })

  it('REASONING_TOKEN_FLOOR defaults to 512; 0 turns it off', () => {
    expect(plain.models.reasoningTokenFloor).toBe(512)
    expect(loadSettings({ REASONING_TOKEN_FLOOR: '0' }).models.reasoningTokenFloor).toBe(0)
  })

  it('an entry naming an unknown back end is a warning, not an error', () => {
    const w = loadSettings({}, parseConfigFile('models:\n  "nowhere:m": { context_window: 5 }')).warnings
    expect(w.join('\n')).toMatch(/nowhere/)
  })
})
