import { describe, expect, it } from 'vitest'
import { isCompound, leaves, parsePlan, tryOrder } from '../../src/resilience/selector-plan'

const routes = new Map([
  ['coding', ['anthropic:claude-sonnet-4-5', 'openai:gpt-4.1']],
  ['cheap', ['[weight=3]groq:llama^[weight=1]openai:gpt-4.1-mini']],
  ['loop', ['loop']],
])
const all = (s: string, random = () => 0) => [...tryOrder(parsePlan(s, routes), random)]

describe('selector plans', () => {
  it('a plain selector is one leaf, and needs no grammar', () => {
    expect(isCompound('openai:gpt-4.1?temperature=0.2', routes)).toBe(false)
    expect(all('openai:gpt-4.1?temperature=0.2')).toEqual(['openai:gpt-4.1?temperature=0.2'])
  })

  it('a|b|c is tried in order, each a full selector with its own parameters', () => {
    expect(all('openai:gpt-4.1|anthropic:claude-sonnet-4-5?temperature=0.2|gemini:gemini-2.5-pro')).toEqual([
      'openai:gpt-4.1',
      'anthropic:claude-sonnet-4-5?temperature=0.2',
      'gemini:gemini-2.5-pro',
    ])
  })

  it('a route name expands to its entries, also inside a chain; a selector met twice is tried once', () => {
    expect(isCompound('coding', routes)).toBe(true)
    expect(all('coding')).toEqual(['anthropic:claude-sonnet-4-5', 'openai:gpt-4.1'])
    expect(all('openai:gpt-4.1|coding')).toEqual(['openai:gpt-4.1', 'anthropic:claude-sonnet-4-5'])
  })

  it('a^b picks by weight, and after a failure re-rolls among the rest', () => {
    // random() = 0.8 of total 4 → 3.2 falls past the first branch (weight 3) into the second.
    expect(all('cheap', () => 0.8)).toEqual(['openai:gpt-4.1-mini', 'groq:llama'])
    expect(all('cheap', () => 0.1)).toEqual(['groq:llama', 'openai:gpt-4.1-mini'])
    // Over many rolls the first pick follows the weights (3:1).
    let seed = 1
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647)
    const firsts = Array.from({ length: 4000 }, () => tryOrder(parsePlan('cheap', routes), random).next().value)
    const groq = firsts.filter((f) => f === 'groq:llama').length
    expect(groq).toBeGreaterThan(2700)
    expect(groq).toBeLessThan(3300)
  })

  it('| binds looser than ^', () => {
    expect(all('a:x^b:y|c:z', () => 0)).toEqual(['a:x', 'b:y', 'c:z'])
    expect(leaves(parsePlan('a:x^b:y|c:z', routes))).toEqual(['a:x', 'b:y', 'c:z'])
  })

  it('refuses empty entries, bad weights and routes that refer to themselves, naming the selector', () => {
    expect(() => parsePlan('openai:gpt-4.1||anthropic:x', routes)).toThrow(/empty entry/)
    expect(() => parsePlan('[weight=0]a:x^b:y', routes)).toThrow(/more than 0/)
    expect(() => parsePlan('[wait=2]a:x', routes)).toThrow(/\[weight=N\]/)
    expect(() => parsePlan('loop', routes)).toThrow(/refers to itself/)
  })
})
