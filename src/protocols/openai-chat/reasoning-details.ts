import type { RedactedThinkingPart, ThinkingPart } from '../../hub/request'

/**
 * OpenRouter's `reasoning_details`: structured reasoning that keeps what plain
 * `reasoning_content` loses (Anthropic signatures, encrypted blocks).
 *   { type: 'reasoning.text', text, signature?, format?, index? }
 *   { type: 'reasoning.encrypted', data, format?, index? }
 *   { type: 'reasoning.summary', summary, format?, index? }
 */
export interface ReasoningDetailLike {
  type: string
  text?: string | null
  signature?: string | null
  data?: string | null
  summary?: string | null
  format?: string | null
  index?: number | null
}

/** The format assumed for a signature whose origin is not recorded. */
export const REASONING_FORMAT = 'anthropic-claude-v1'

/**
 * Reasoning details → hub parts. Consecutive `reasoning.text` items with the same
 * `index` are fragments of one block (a client that stored streamed deltas as
 * they came): their text is joined and the signature kept unchanged.
 */
export function reasoningDetailsToParts(details: ReadonlyArray<ReasoningDetailLike>): Array<ThinkingPart | RedactedThinkingPart> {
  const parts: Array<ThinkingPart | RedactedThinkingPart> = []
  let lastIndex: number | null | undefined
  let last: ThinkingPart | undefined
  for (const d of details) {
    if (d.type === 'reasoning.encrypted') {
      if (typeof d.data === 'string')
        parts.push({ type: 'redacted_thinking', data: d.data, ...(typeof d.format === 'string' ? { format: d.format } : {}) })
      last = undefined
      continue
    }
    const text = d.type === 'reasoning.summary' ? d.summary : d.type === 'reasoning.text' ? d.text : undefined
    if (d.type !== 'reasoning.text' && d.type !== 'reasoning.summary') {
      last = undefined
      continue
    }
    const sameBlock = last !== undefined && last.signature === undefined && d.index != null && d.index === lastIndex
    if (sameBlock && last) {
      last.text += text ?? ''
      if (typeof d.signature === 'string' && d.signature !== '') last.signature = d.signature
    } else {
      const part: ThinkingPart = { type: 'thinking', text: text ?? '' }
      if (typeof d.format === 'string') part.format = d.format
      if (typeof d.signature === 'string' && d.signature !== '') part.signature = d.signature
      parts.push(part)
      last = part
    }
    lastIndex = d.index
  }
  return parts
}

/** Hub thinking parts → `reasoning_details`, one item per block. */
export function partsToReasoningDetails(parts: ReadonlyArray<ThinkingPart | RedactedThinkingPart>): Record<string, unknown>[] {
  return parts.map((p, index) =>
    p.type === 'thinking'
      ? {
          type: 'reasoning.text',
          text: p.text,
          ...(p.signature !== undefined ? { signature: p.signature } : {}),
          format: p.format ?? REASONING_FORMAT,
          index,
        }
      : { type: 'reasoning.encrypted', data: p.data, format: p.format ?? REASONING_FORMAT, index },
  )
}
