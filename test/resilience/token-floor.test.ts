import { describe, expect, it } from 'vitest'
import type { HubRequest } from '../../src/hub/request'
import { applyTokenFloor, applyTokenFloorToBody } from '../../src/resilience/token-floor'

const hub = (maxTokens?: number): HubRequest => ({
  model: 'm',
  system: [],
  messages: [{ role: 'user', content: [{ type: 'text', text: 'title this' }] }],
  stream: false,
  ...(maxTokens !== undefined ? { maxTokens } : {}),
})

describe('applyTokenFloor', () => {
  it('raises a reasoning model’s small max_tokens to the floor, with a warning, on a copy', () => {
    const warnings: string[] = []
    const req = hub(50)
    const out = applyTokenFloor(req, { reasoning: true }, 512, (m) => warnings.push(m))
    expect(out.maxTokens).toBe(512)
    expect(req.maxTokens).toBe(50)
    expect(warnings).toEqual([expect.stringMatching(/max_tokens 50 raised to 512 \(REASONING_TOKEN_FLOOR\)/)])
  })

  it('never beyond the model’s max output', () => {
    expect(applyTokenFloor(hub(50), { reasoning: true, maxOutput: 300 }, 512, () => {}).maxTokens).toBe(300)
  })

  it('leaves alone: non-reasoning or unknown models, enough tokens, no limit asked, the floor off', () => {
    const warn = () => {
      throw new Error('no warning expected')
    }
    for (const [req, info, floor] of [
      [hub(50), { reasoning: false }, 512],
      [hub(50), {}, 512],
      [hub(512), { reasoning: true }, 512],
      [hub(), { reasoning: true }, 512],
      [hub(50), { reasoning: true }, 0],
    ] as const) {
      expect(applyTokenFloor(req, info, floor, warn)).toBe(req)
    }
  })
})

describe('applyTokenFloorToBody (pass-through)', () => {
  it('raises the field each protocol uses, copying only what it changes', () => {
    const cases: Array<[string, Record<string, unknown>, (b: any) => number]> = [
      ['openai-chat', { max_completion_tokens: 20, max_tokens: 20 }, (b) => b.max_completion_tokens],
      ['openai-chat', { max_tokens: 20 }, (b) => b.max_tokens],
      ['openai-responses', { max_output_tokens: 20 }, (b) => b.max_output_tokens],
      ['anthropic', { max_tokens: 20 }, (b) => b.max_tokens],
      ['gemini', { generationConfig: { maxOutputTokens: 20, temperature: 1 } }, (b) => b.generationConfig.maxOutputTokens],
    ]
    for (const [protocol, body, read] of cases) {
      const warnings: string[] = []
      const out = applyTokenFloorToBody(protocol, body, { reasoning: true }, 512, (m) => warnings.push(m))
      expect(out && read(out), protocol).toBe(512)
      expect(read(body)).toBe(20)
      expect(warnings).toHaveLength(1)
    }
    const g = applyTokenFloorToBody('gemini', { generationConfig: { maxOutputTokens: 20, temperature: 1 } }, { reasoning: true }, 512, () => {})
    expect(g).toEqual({ generationConfig: { maxOutputTokens: 512, temperature: 1 } })
  })

  it('undefined when nothing changes', () => {
    expect(applyTokenFloorToBody('anthropic', { max_tokens: 4096 }, { reasoning: true }, 512, () => {})).toBeUndefined()
    expect(applyTokenFloorToBody('anthropic', { max_tokens: 20 }, { reasoning: false }, 512, () => {})).toBeUndefined()
    expect(applyTokenFloorToBody('openai-chat', {}, { reasoning: true }, 512, () => {})).toBeUndefined()
  })
})
