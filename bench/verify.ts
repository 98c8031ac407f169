import type { Wire } from './scenarios'

/** Text of an SSE body's events, in order: [event name, data]. */
function sseEvents(raw: string): Array<{ event?: string; data: string }> {
  const out: Array<{ event?: string; data: string }> = []
  for (const block of raw.split(/\r?\n\r?\n/)) {
    if (!block.trim()) continue
    let event: string | undefined
    const data: string[] = []
    for (const line of block.split(/\r?\n/)) {
      if (line.startsWith('event:')) event = line.slice(6).trim()
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''))
    }
    if (data.length) out.push({ event, data: data.join('\n') })
  }
  return out
}

/**
 * Checks one answer: the text must be exactly `expected` (all pieces, in
 * order) and a stream must end the way its protocol ends. Returns a problem, or
 * null when the answer is whole.
 */
export function checkAnswer(wire: Wire, stream: boolean, raw: string, expected: string): string | null {
  try {
    if (!stream) {
      const j = JSON.parse(raw)
      const text =
        wire === 'openai'
          ? j.choices?.[0]?.message?.content
          : (j.content ?? []).filter((b: { type: string }) => b.type === 'text').map((b: { text: string }) => b.text).join('')
      return text === expected ? null : `text differs: ${JSON.stringify(String(text).slice(0, 80))}`
    }
    const events = sseEvents(raw)
    let text = ''
    if (wire === 'openai') {
      let finished = false
      for (const [i, e] of events.entries()) {
        if (e.data === '[DONE]') {
          if (i !== events.length - 1) return 'events after [DONE]'
          continue
        }
        const j = JSON.parse(e.data)
        if (j.error) return `error event: ${e.data.slice(0, 120)}`
        const c = j.choices?.[0]
        if (typeof c?.delta?.content === 'string') text += c.delta.content
        if (c?.finish_reason) finished = true
      }
      if (events[events.length - 1]?.data !== '[DONE]') return 'no [DONE] at the end'
      if (!finished) return 'no finish_reason'
    } else {
      for (const e of events) {
        const j = JSON.parse(e.data)
        if (j.type === 'error') return `error event: ${e.data.slice(0, 120)}`
        if (j.type === 'content_block_delta' && j.delta?.type === 'text_delta') text += j.delta.text
      }
      if (JSON.parse(events[events.length - 1]?.data ?? '{}').type !== 'message_stop') return 'no message_stop at the end'
    }
    return text === expected ? null : `text differs (${text.length} vs ${expected.length} chars)`
  } catch (err) {
    return `unparseable answer: ${(err as Error).message}: ${raw.slice(0, 120)}`
  }
}
