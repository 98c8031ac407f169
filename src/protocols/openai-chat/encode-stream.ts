import { GatewayError } from '../../hub/errors'
import { idInStyle } from '../../hub/ids'
import type { HubRequest } from '../../hub/request'
import type { Usage } from '../../hub/response'
import type { HubStreamEvent } from '../../hub/stream'
import { sseFrame, sseJson, sseText } from '../../sse/frame'
import { streamErrorFrame } from './errors'
import { toOpenAIFinishReason } from './map-finish-reason'
import { REASONING_FORMAT } from './reasoning-details'
import { encodeUsage, ZERO_USAGE } from './usage'
import { chain, toTransformStream, UTF8, type Emit, type Stage } from '../../streams/stage'

/**
 * Hub events → Chat Completions chunks, each sent at once as `data: <json>`.
 * The first chunk carries `role: assistant`; tool calls keep their hub index as
 * `index`; the stream ends with a finish chunk, the usage chunk (`choices: []`,
 * only when the client asked with stream_options.include_usage) and `[DONE]`.
 */
export function streamEncoder(req: HubRequest): Stage<HubStreamEvent, string> {
  // Only what the encoder needs is kept for the stream's life, not the whole request.
  const streamUsage = req.streamUsage
  let id = ''
  let model = req.model
  let created = Math.floor(Date.now() / 1000)
  let opened = false
  let done = false
  let usage: Usage | undefined
  // reasoning_details index of the current reasoning block; a signature or an encrypted block ends one.
  let reasoningIndex = 0
  let textFrame: [string, string] | undefined

  return {
    transform(event, controller) {
      if (done) return
      const chunk = (delta: Record<string, unknown>, finishReason: string | null = null) =>
        controller.enqueue(
          sseJson({
            id,
            object: 'chat.completion.chunk',
            created,
            model,
            choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
          }),
        )
      const open = () => {
        if (opened) return
        opened = true
        id = idInStyle(id, 'chatcmpl-')
        chunk({ role: 'assistant', content: '' })
      }

      switch (event.type) {
        case 'start':
          if (opened) return
          id = event.id
          if (event.model) model = event.model
          if (event.created !== undefined) created = event.created
          if (event.usage) usage = event.usage
          open()
          return
        case 'text_delta':
          open()
          // The hot path: the chunk around the text is the same every time, so only the text is stringified.
          if (event.text) {
            textFrame ??= [
              `data: {"id":${JSON.stringify(id)},"object":"chat.completion.chunk","created":${created},"model":${JSON.stringify(model)},"choices":[{"index":0,"delta":{"content":`,
              `},"logprobs":null,"finish_reason":null}]}\n\n`,
            ]
            controller.enqueue(sseText(textFrame[0] + JSON.stringify(event.text) + textFrame[1]))
          }
          return
        case 'thinking_delta': {
          open()
          const delta: Record<string, unknown> = {}
          if (event.text) delta.reasoning_content = event.text
          if (event.signature !== undefined) {
            delta.reasoning_details = [
              { type: 'reasoning.text', text: '', signature: event.signature, format: event.format ?? REASONING_FORMAT, index: reasoningIndex++ },
            ]
          }
          if (Object.keys(delta).length) chunk(delta)
          return
        }
        case 'redacted_thinking':
          open()
          chunk({
            reasoning_details: [
              { type: 'reasoning.encrypted', data: event.data, format: event.format ?? REASONING_FORMAT, index: reasoningIndex++ },
            ],
          })
          return
        case 'tool_call_start':
          open()
          chunk({
            tool_calls: [
              { index: event.index, id: event.id, type: 'function', function: { name: event.name, arguments: '' } },
            ],
          })
          return
        case 'tool_call_delta':
          open()
          if (event.argumentsDelta) chunk({ tool_calls: [{ index: event.index, function: { arguments: event.argumentsDelta } }] })
          return
        case 'tool_call_end':
          return
        case 'usage':
          usage = event.usage
          return
        case 'finish': {
          open()
          done = true
          chunk({}, toOpenAIFinishReason(event.reason))
          if (streamUsage) {
            controller.enqueue(
              sseJson({
                id,
                object: 'chat.completion.chunk',
                created,
                model,
                choices: [],
                usage: encodeUsage(event.usage ?? usage ?? ZERO_USAGE),
              }),
            )
          }
          controller.enqueue(sseFrame('[DONE]'))
          return
        }
        case 'error':
          done = true
          controller.enqueue(streamErrorFrame(event.error))
          return
      }
    },
    flush(controller) {
      // The hub promises a finish or an error; if neither came, say so rather than end silently.
      if (!done) {
        controller.enqueue(
          streamErrorFrame(new GatewayError('bad_gateway', 'The upstream stream ended before the response was complete.')),
        )
      }
    },
  }
}

/** The same as a TransformStream. */
export function encodeStream(req: HubRequest): TransformStream<HubStreamEvent, Uint8Array> {
  return toTransformStream(chain(streamEncoder(req), UTF8))
}
