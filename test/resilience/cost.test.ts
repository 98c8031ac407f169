import { describe, expect, it } from 'vitest'
import { costUsd } from '../../src/resilience/cost'

describe('costUsd', () => {
  it('uncached input, cached input at its own price, and output', () => {
    // 1,000 input of which 400 cached; 500 output: 600×$2 + 400×$0.5 + 500×$8 per million
    expect(costUsd({ inputTokens: 1000, outputTokens: 500, cacheReadTokens: 400 }, { inputPerMTok: 2, outputPerMTok: 8, cachedInputPerMTok: 0.5 })).toBe(0.0054)
  })
  it('cached input at the input price when the table has no cached price', () => {
    expect(costUsd({ inputTokens: 1000, outputTokens: 0, cacheReadTokens: 400 }, { inputPerMTok: 2, outputPerMTok: 8 })).toBe(0.002)
  })
  it('null without prices; 0 for an exchange without usage', () => {
    expect(costUsd({ inputTokens: 10, outputTokens: 10 }, undefined)).toBeNull()
    expect(costUsd(undefined, { inputPerMTok: 2, outputPerMTok: 8 })).toBe(0)
  })
})
