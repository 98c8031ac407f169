import type { ContentPart } from './request'
import type { FinishReason, HubResponse, Usage } from './response'
import type { HubStreamEvent } from './stream'

/**
 * Builds the finished response from stream events, for whatever needs the whole
 * answer after it has streamed past (stored Responses). It watches; it never
 * holds the stream back.
 */
export class ResponseAccumulator {
  private id = ''
  private model = ''
  private created?: number
  private readonly content: ContentPart[] = []
  private readonly calls = new Map<number, Extract<ContentPart, { type: 'tool_call' }>>()
  private usage: Usage = { inputTokens: 0, outputTokens: 0 }
  private finish?: { reason: FinishReason; stopSequence?: string }
  failed = false

  add(e: HubStreamEvent): void {
    switch (e.type) {
      case 'start':
        this.id = e.id
        this.model = e.model
        this.created = e.created
        if (e.usage) this.usage = e.usage
        return
      case 'text_delta': {
        const last = this.content.at(-1)
        if (last?.type === 'text') last.text += e.text
        else this.content.push({ type: 'text', text: e.text })
        return
      }
      case 'thinking_delta': {
        const last = this.content.at(-1)
        if (last?.type === 'thinking' && !last.signature && (e.id === undefined || e.id === last.id)) {
          last.text += e.text
          if (e.signature) last.signature = e.signature
          if (e.format) last.format = e.format
        } else
          this.content.push({
            type: 'thinking',
            text: e.text,
            ...(e.signature ? { signature: e.signature } : {}),
            ...(e.format ? { format: e.format } : {}),
            ...(e.id ? { id: e.id } : {}),
          })
        return
      }
      case 'redacted_thinking':
        this.content.push({ type: 'redacted_thinking', data: e.data, ...(e.format ? { format: e.format } : {}), ...(e.id ? { id: e.id } : {}) })
        return
      case 'tool_call_start': {
        const call = {
          type: 'tool_call' as const,
          id: e.id,
          name: e.name,
          arguments: '',
          ...(e.kind ? { kind: e.kind } : {}),
          ...(e.signature ? { signature: e.signature } : {}),
          ...(e.namespace ? { namespace: e.namespace } : {}),
        }
        this.calls.set(e.index, call)
        this.content.push(call)
        return
      }
      case 'tool_call_delta': {
        const call = this.calls.get(e.index)
        if (call) call.arguments += e.argumentsDelta
        return
      }
      case 'usage':
        this.usage = e.usage
        return
      case 'finish':
        if (e.usage) this.usage = e.usage
        this.finish = { reason: e.reason, stopSequence: e.stopSequence }
        return
      case 'error':
        this.failed = true
        return
    }
  }

  /** The finished response, or undefined when the stream failed or never finished. */
  result(): HubResponse | undefined {
    if (this.failed || !this.finish) return undefined
    return {
      id: this.id,
      model: this.model,
      created: this.created,
      content: this.content,
      finishReason: this.finish.reason,
      stopSequence: this.finish.stopSequence,
      usage: this.usage,
    }
  }
}
