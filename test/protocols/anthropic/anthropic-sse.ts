/**
 * Test-side reading of Anthropic SSE, independent of src/: rebuilds what a
 * stream said, and (in strict mode) checks the rules the Anthropic SDK relies on.
 */
import { expect } from 'vitest'
import type { SseEvent } from '../../../src/sse/parse'

export interface Rebuilt {
  messageStarts: number
  text: string
  thinking: string
  signatures: string[]
  redacted: string[]
  tools: Array<{ id: string; name: string; input: unknown; rawJson: string }>
  blockTypes: string[]
  stopReason: string | null | undefined
  stopSequence: string | null | undefined
  usage: { input_tokens: number; output_tokens: number; cache_read_input_tokens: number; cache_creation_input_tokens: number }
  error?: { type: string; message: string }
  last: string | undefined
}

interface Block {
  type: string
  json: string
  sawJson: boolean
  initial: unknown
  id?: string
  name?: string
  signature: string
}

/**
 * strict: our encoder's output must start with message_start, keep blocks
 * sequential (index 0,1,2…, one open at a time, deltas only for the open block,
 * delta kind matching the block), close every block before message_delta, and
 * end with message_stop or error. The `event:` name must equal the payload type.
 */
export function rebuild(events: SseEvent[], strict: boolean): Rebuilt {
  const out: Rebuilt = {
    messageStarts: 0,
    text: '',
    thinking: '',
    signatures: [],
    redacted: [],
    tools: [],
    blockTypes: [],
    stopReason: undefined,
    stopSequence: undefined,
    usage: { input_tokens: 0, output_tokens: 0, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
    last: undefined,
  }
  const open = new Map<number, Block>()
  let nextIndex = 0
  let finished = false

  const setUsage = (u: Record<string, unknown> | undefined) => {
    if (!u) return
    for (const k of ['input_tokens', 'output_tokens', 'cache_read_input_tokens', 'cache_creation_input_tokens'] as const)
      if (typeof u[k] === 'number') out.usage[k] = u[k] as number
  }
  const closeBlock = (b: Block) => {
    if (b.type === 'tool_use') {
      const rawJson = b.sawJson ? b.json : JSON.stringify(b.initial ?? {})
      out.tools.push({ id: b.id!, name: b.name!, input: rawJson.trim() === '' ? {} : JSON.parse(rawJson), rawJson })
    }
    if (b.type === 'thinking' && b.signature) out.signatures.push(b.signature)
  }
  const addBlock = (cb: Record<string, any>): Block => {
    out.blockTypes.push(cb.type)
    const b: Block = { type: cb.type, json: '', sawJson: false, initial: cb.input, id: cb.id, name: cb.name, signature: '' }
    if (cb.type === 'text' && typeof cb.text === 'string') out.text += cb.text
    if (cb.type === 'thinking') {
      if (typeof cb.thinking === 'string') out.thinking += cb.thinking
      if (typeof cb.signature === 'string') b.signature = cb.signature
    }
    if (cb.type === 'redacted_thinking') out.redacted.push(cb.data)
    return b
  }

  events.forEach((ev, n) => {
    const p = JSON.parse(ev.data) as Record<string, any>
    out.last = p.type
    if (strict) {
      expect(ev.event, `event ${n} name`).toBe(p.type)
      expect(finished, `event ${n} (${p.type}) after the end`).toBe(false)
      if (n === 0 && p.type !== 'error') expect(p.type).toBe('message_start')
    }
    switch (p.type) {
      case 'message_start':
        out.messageStarts++
        setUsage(p.message?.usage)
        out.stopReason = p.message?.stop_reason
        out.stopSequence = p.message?.stop_sequence
        for (const cb of p.message?.content ?? []) closeBlock(addBlock(cb))
        break
      case 'content_block_start':
        if (strict) {
          expect(open.size, `block ${p.index} opened while another is open`).toBe(0)
          expect(p.index, 'block indexes are sequential').toBe(nextIndex)
        }
        nextIndex++
        open.set(p.index, addBlock(p.content_block))
        break
      case 'content_block_delta': {
        const b = open.get(p.index)
        if (strict) expect(b, `delta for block ${p.index} that is not open`).toBeDefined()
        const d = p.delta
        if (strict && b) {
          const want = { text_delta: 'text', thinking_delta: 'thinking', signature_delta: 'thinking', input_json_delta: 'tool_use' }[
            d.type as string
          ]
          expect(b.type, `${d.type} in a ${b.type} block`).toBe(want)
        }
        if (d.type === 'text_delta' && (!b || b.type === 'text')) out.text += d.text
        if (d.type === 'thinking_delta') out.thinking += d.thinking
        if (d.type === 'signature_delta' && b) b.signature = d.signature
        if (d.type === 'input_json_delta' && b) {
          b.json += d.partial_json
          if (d.partial_json !== '') b.sawJson = true
        }
        break
      }
      case 'content_block_stop': {
        const b = open.get(p.index)
        if (strict) expect(b, `stop for block ${p.index} that is not open`).toBeDefined()
        if (b) closeBlock(b)
        open.delete(p.index)
        break
      }
      case 'message_delta':
        if (strict) expect(open.size, 'message_delta with a block still open').toBe(0)
        if (p.delta && 'stop_reason' in p.delta) out.stopReason = p.delta.stop_reason
        if (p.delta && 'stop_sequence' in p.delta) out.stopSequence = p.delta.stop_sequence
        setUsage(p.usage)
        break
      case 'message_stop':
        if (strict) finished = true
        break
      case 'error':
        out.error = p.error
        if (strict) finished = true
        break
    }
  })
  if (strict) expect(['message_stop', 'error']).toContain(out.last)
  return out
}

/** A recorded chunks file as SSE events (event name = payload type). */
export function chunksToEvents(lines: string[]): SseEvent[] {
  return lines.map((data) => ({ event: (JSON.parse(data) as { type: string }).type, data }))
}

/** Splits a recording that holds several complete messages (multi-step fixtures) after each message_stop. */
export function splitMessages(lines: string[]): string[][] {
  const out: string[][] = []
  let cur: string[] = []
  for (const line of lines) {
    cur.push(line)
    if ((JSON.parse(line) as { type: string }).type === 'message_stop') {
      out.push(cur)
      cur = []
    }
  }
  if (cur.length) out.push(cur)
  return out
}
