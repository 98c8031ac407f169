import { ResponseAccumulator } from '../hub/accumulate'
import type { HubResponse } from '../hub/response'
import type { HubStreamEvent } from '../hub/stream'
import type { Protocol } from '../protocols/types'
import { sseFramer } from '../sse/parse'
import { chain } from '../streams/stage'

/**
 * For a passed-through stream the exchange's `after` hook needs whole: each chunk on its way to the
 * client is also framed and decoded here, in step (no second copy of the stream, nothing that
 * outlives the client's: when the client goes away, so does the upstream).
 */
export function observer(back: Protocol, after: (res: HubResponse) => Promise<void>) {
  const acc = new ResponseAccumulator()
  const decode = chain(sseFramer(), back.streamDecoder())
  const sink = { enqueue: (e: HubStreamEvent) => acc.add(e) }
  let broken = false
  return {
    observe(chunk: Uint8Array) {
      if (broken) return
      try {
        decode.transform(chunk, sink)
      } catch {
        broken = true
      }
    },
    async onEnd() {
      if (broken) return
      decode.flush?.(sink)
      await finished(acc, after)
    },
  }
}

/** Hands a streamed response, once whole, to the exchange's `after` hook. */
export async function finished(acc: ResponseAccumulator, done: (res: HubResponse) => Promise<void>): Promise<void> {
  const res = acc.result()
  if (res) await done(res).catch(() => {})
}
