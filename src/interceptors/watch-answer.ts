import { ResponseAccumulator } from '../hub/accumulate'
import type { HubResponse } from '../hub/response'
import { responseToEvents } from '../hub/response-events'
import type { HubStreamEvent } from '../hub/stream'
import type { Emit, Stage } from '../streams/stage'
import type { AnswerTurn, AnswerWatch, Interceptor } from './types'

/** The watches over one answer, as one stage: upstream events in, the client's events out. */
export interface AnswerPipe extends Stage<HubStreamEvent, HubStreamEvent> {
  /** A watch ended the answer before the upstream did (a loop cut): the rest of the upstream is not wanted. */
  cutShort(): boolean
}

const ends = (e: HubStreamEvent) => e.type === 'finish' || e.type === 'error'

/**
 * The answer watches of this exchange, or undefined when no interceptor has
 * anything to watch (the answer then goes as before, at no cost). Answers come
 * back up the list: the last interceptor's watch sees the upstream's events
 * first, the first's hands them to the client. Once `finish` or `error` has
 * reached the client, nothing more goes out; `done` runs once, when the answer
 * has ended (or the upstream has, without a finish).
 */
export function watchAnswer(list: readonly Interceptor[], turn: AnswerTurn, done?: () => void): AnswerPipe | undefined {
  const watches: AnswerWatch[] = []
  for (let i = list.length - 1; i >= 0; i--) {
    const w = list[i]!.answer?.(turn)
    if (w) watches.push(w)
  }
  if (!watches.length) return undefined

  let out: Emit<HubStreamEvent>
  let over = false
  let upstreamEnded = false
  let cut = false
  const finish = () => {
    if (over) return
    over = true
    done?.()
  }
  const toClient: Emit<HubStreamEvent> = {
    enqueue(e) {
      if (over) return
      out.enqueue(e)
      if (ends(e)) {
        cut = !upstreamEnded
        finish()
      }
    },
  }
  // sinks[k] feeds watch k+1 (the last one feeds the client); a watch that has ended its answer gets nothing more.
  const ended = watches.map(() => false)
  const sinks: Emit<HubStreamEvent>[] = watches.map((_, k) => {
    const next = k + 1 < watches.length ? watches[k + 1]! : undefined
    return {
      enqueue(e: HubStreamEvent) {
        if (ended[k]) return
        if (ends(e)) ended[k] = true
        if (!next) toClient.enqueue(e)
        else if (!ended[k + 1]) next.event(e, sinks[k + 1]!)
      },
    }
  })
  const first = watches[0]!
  return {
    transform(e, emit) {
      out = emit
      if (over) return
      if (ends(e)) upstreamEnded = true
      if (!ended[0]) first.event(e, sinks[0]!)
    },
    flush(emit) {
      out = emit
      // The upstream ended without a finish reaching the client: each watch may release or drop what it holds.
      for (let k = 0; k < watches.length && !over; k++) if (!ended[k]) watches[k]!.end?.(sinks[k]!)
      finish()
    },
    cutShort: () => cut,
  }
}

/**
 * A finished answer through the same watches, as the events that would have
 * streamed it: undefined when every event came out unchanged (same objects, same
 * order), else the answer rebuilt from what came out.
 */
export function watchResponse(pipe: AnswerPipe, res: HubResponse): HubResponse | undefined {
  const events = responseToEvents(res)
  const got: HubStreamEvent[] = []
  const emit = { enqueue: (e: HubStreamEvent) => void got.push(e) }
  for (const e of events) pipe.transform(e, emit)
  pipe.flush?.(emit)
  if (got.length === events.length && got.every((e, i) => e === events[i])) return undefined
  const acc = new ResponseAccumulator()
  for (const e of got) acc.add(e)
  const rebuilt = acc.result()
  if (!rebuilt) return undefined
  // What the events do not carry (native parts, the created time) stays as it was where the rest is unchanged.
  return { ...rebuilt, created: res.created }
}
