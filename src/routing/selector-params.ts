import { z } from 'zod'
import type { HubRequest } from '../hub/request'
import { invalidRequest } from '../hub/errors'

const number = (min: number, max: number) => z.coerce.number().min(min).max(max)
const int = (min: number) => z.coerce.number().int().min(min)

/** What a selector may set: `openai:gpt-4o?temperature=0.2&max_tokens=512`. */
const PARAMS = {
  temperature: number(0, 2),
  top_p: number(0, 1),
  top_k: int(1),
  max_tokens: int(1),
  seed: z.coerce.number().int(),
  presence_penalty: number(-2, 2),
  frequency_penalty: number(-2, 2),
  reasoning_effort: z.enum(['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max']),
  stop: z.string().min(1),
} as const

type Param = keyof typeof PARAMS
export type Overrides = Partial<Pick<HubRequest, 'temperature' | 'topP' | 'topK' | 'maxTokens' | 'seed' | 'presencePenalty' | 'frequencyPenalty' | 'stopSequences' | 'thinking'>>

/** Parses and validates a selector's query; a bad or unknown parameter is a 400 naming it. */
export function parseSelectorParams(query: string, selector: string): Overrides {
  const out: Overrides = {}
  for (const [name, raw] of new URLSearchParams(query)) {
    if (!Object.hasOwn(PARAMS, name))
      throw invalidRequest(`model "${selector}": unknown parameter "${name}" (allowed: ${Object.keys(PARAMS).join(', ')})`, 'model')
    const parsed = PARAMS[name as Param].safeParse(raw)
    if (!parsed.success)
      throw invalidRequest(`model "${selector}": parameter ${name}=${raw}: ${parsed.error.issues[0]!.message}`, 'model')
    const v = parsed.data as never
    switch (name as Param) {
      case 'temperature': out.temperature = v; break
      case 'top_p': out.topP = v; break
      case 'top_k': out.topK = v; break
      case 'max_tokens': out.maxTokens = v; break
      case 'seed': out.seed = v; break
      case 'presence_penalty': out.presencePenalty = v; break
      case 'frequency_penalty': out.frequencyPenalty = v; break
      case 'stop': out.stopSequences = [v]; break
      case 'reasoning_effort':
        out.thinking = v === 'none' ? { enabled: false } : { enabled: true, effort: v }
        break
    }
  }
  return out
}
