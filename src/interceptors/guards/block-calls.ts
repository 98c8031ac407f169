import type { FinishReason } from '../../hub/response'
import type { HubStreamEvent } from '../../hub/stream'
import type { Emit } from '../../streams/stage'
import type { AnswerWatch } from '../types'

export type ToolCallStart = Extract<HubStreamEvent, { type: 'tool_call_start' }>

export interface CallJudge {
  /** Hold this call until it is complete (decided at its start; calls not held pass at once). */
  hold(start: ToolCallStart): boolean
  /** The text the client gets in place of the complete call, or undefined to deliver it. */
  judge(start: ToolCallStart, args: string): string | undefined
}

interface Held {
  start: ToolCallStart
  args: string
  verdict: 'open' | 'deliver' | 'block' | 'drop'
  notice?: string
}

/**
 * A watch that holds the tool calls `judge.hold` picks until each is complete,
 * then delivers it unchanged or drops it and puts the judge's text in its
 * place. Everything else passes at once as the same object, except what comes
 * after a held call, which waits behind it so the order stays as the upstream
 * sent it. Delivered calls are renumbered 0, 1, 2… when one before them was
 * dropped. The notice text goes out where the dropped call ended (or, when
 * another call is open then, as soon as none is). When every call was
 * dropped, a `tool_calls` finish becomes `stop`: the client has nothing to run.
 * A stream cut while a held call is still incomplete drops that call.
 */
export function blockingWatch(judge: CallJudge): AnswerWatch {
  return new BlockingWatch(judge)
}

class BlockingWatch implements AnswerWatch {
  private readonly queue: HubStreamEvent[] = []
  private readonly held = new Map<number, Held>()
  /** Upstream index → the index the client sees, for every call delivered so far. */
  private readonly renumber = new Map<number, number>()
  private readonly openOut = new Set<number>()
  private notices: string[] = []
  private nextIndex = 0
  private delivered = 0
  private blocked = 0
  private textOut = false

  constructor(private readonly judge: CallJudge) {}

  event(e: HubStreamEvent, out: Emit<HubStreamEvent>): void {
    if (e.type === 'finish' || e.type === 'error') {
      this.drain(out, 'judge')
      this.flushNotices(out)
      if (e.type === 'finish' && this.blocked > 0 && this.delivered === 0 && e.reason === 'tool_calls')
        out.enqueue({ ...e, reason: 'stop' satisfies FinishReason })
      else out.enqueue(e)
      return
    }
    let h: Held | undefined
    if (e.type === 'tool_call_start' && this.judge.hold(e)) this.held.set(e.index, (h = { start: e, args: '', verdict: 'open' }))
    else if (e.type === 'tool_call_delta' || e.type === 'tool_call_end') h = this.held.get(e.index)
    if (h?.verdict === 'open') {
      if (e.type === 'tool_call_delta') h.args += e.argumentsDelta
      else if (e.type === 'tool_call_end') this.decide(h)
    }
    if (this.queue.length === 0 && !(h && h.verdict === 'open')) return this.emit(e, out)
    this.queue.push(e)
    this.drain(out)
  }

  end(out: Emit<HubStreamEvent>): void {
    this.drain(out, 'drop')
    this.flushNotices(out)
  }

  private decide(h: Held): void {
    const notice = this.judge.judge(h.start, h.args)
    if (notice === undefined) h.verdict = 'deliver'
    else {
      h.verdict = 'block'
      h.notice = notice
    }
  }

  /** Sends queued events up to the first call still open; at the end (`judge` / `drop`), open calls are settled first. */
  private drain(out: Emit<HubStreamEvent>, settle?: 'judge' | 'drop'): void {
    while (this.queue.length) {
      const e = this.queue[0]!
      if (e.type === 'tool_call_start' || e.type === 'tool_call_delta' || e.type === 'tool_call_end') {
        const h = this.held.get(e.index)
        if (h?.verdict === 'open') {
          if (!settle) return
          if (settle === 'judge') this.decide(h)
          else h.verdict = 'drop'
        }
      }
      this.queue.shift()
      this.emit(e, out)
    }
  }

  private emit(e: HubStreamEvent, out: Emit<HubStreamEvent>): void {
    if (e.type === 'tool_call_start' || e.type === 'tool_call_delta' || e.type === 'tool_call_end') {
      const h = this.held.get(e.index)
      if (h && (h.verdict === 'block' || h.verdict === 'drop')) {
        if (e.type === 'tool_call_start' && h.verdict === 'block') this.blocked++
        if (e.type === 'tool_call_end' && h.notice !== undefined) {
          this.notices.push(h.notice)
          if (this.openOut.size === 0) this.flushNotices(out)
        }
        return
      }
      let index: number
      if (e.type === 'tool_call_start') {
        index = this.nextIndex++
        this.renumber.set(e.index, index)
        this.openOut.add(index)
        this.delivered++
      } else index = this.renumber.get(e.index) ?? e.index
      out.enqueue(index === e.index ? e : { ...e, index })
      if (e.type === 'tool_call_end') {
        this.openOut.delete(index)
        if (this.openOut.size === 0) this.flushNotices(out)
      }
      return
    }
    if (e.type === 'text_delta') this.textOut = true
    out.enqueue(e)
  }

  private flushNotices(out: Emit<HubStreamEvent>): void {
    if (!this.notices.length) return
    const text = this.notices.join('\n\n')
    this.notices = []
    out.enqueue({ type: 'text_delta', text: (this.textOut ? '\n\n' : '') + text })
    this.textOut = true
  }
}
