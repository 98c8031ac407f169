import { describe, expect, it } from 'vitest'
import { ResponseAccumulator } from '../../../src/hub/accumulate'
import { anthropic } from '../../../src/protocols/anthropic'
import { gemini } from '../../../src/protocols/gemini'
import { openaiChat } from '../../../src/protocols/openai-chat'
import { readRecordedChunks, readRecordedJson } from '../../helpers/fixtures'
import { ctx, decodeLines, encodeWith } from './helpers'

const toolCall = readRecordedJson('gemini', 'google-tool-call-gemini3.json')
const SIG = toolCall.candidates[0].content.parts[0].thoughtSignature as string
const text = readRecordedJson('gemini', 'google-text.json')
const TEXT_SIG = text.candidates[0].content.parts[0].thoughtSignature as string

/** The functionCall part, and the functionResponse, a Gemini upstream receives for the follow-up request. */
function geminiFollowUp(hub: ReturnType<typeof gemini.decodeRequest>) {
  const out = gemini.encodeRequest(hub, ctx('gemini-3-pro-preview')) as any
  const model = out.contents.find((c: any) => c.role === 'model')
  const call = model.parts.find((p: any) => p.functionCall)
  const response = out.contents.flatMap((c: any) => c.parts).find((p: any) => p.functionResponse)
  return { out, model, call, response }
}

describe('a Gemini thoughtSignature through a client of another protocol', () => {
  it('survives an OpenAI Chat client that echoes only the tool call id', () => {
    const hub = gemini.decodeResponse(toolCall)
    const sent = openaiChat.encodeResponse(hub, openaiChat.decodeRequest({ model: 'g', messages: [{ role: 'user', content: 'q' }] })) as any
    const message = sent.choices[0].message
    const call = message.tool_calls[0]
    expect(call.id).toMatch(/^[A-Za-z0-9_-]+$/)

    // The client sends back the assistant message as it got it (a typical client keeps only role/content/tool_calls).
    const next = openaiChat.decodeRequest({
      model: 'g',
      messages: [
        { role: 'user', content: 'Weather in SF?' },
        { role: 'assistant', content: message.content, tool_calls: message.tool_calls },
        { role: 'tool', tool_call_id: call.id, content: '{"temp": 18}' },
      ],
    })
    const { call: fc, response } = geminiFollowUp(next)
    expect(fc.thoughtSignature).toBe(SIG)
    expect(fc.functionCall).toEqual({ id: expect.stringMatching(/^call_[A-Za-z0-9]+$/), name: 'weather', args: { location: 'San Francisco' } })
    expect(response.functionResponse).toEqual({ id: fc.functionCall.id, name: 'weather', response: { temp: 18 } })
  })

  it('survives an Anthropic client', () => {
    const hub = gemini.decodeResponse(toolCall)
    const req = anthropic.decodeRequest({ model: 'g', max_tokens: 10, messages: [{ role: 'user', content: 'q' }] })
    const sent = anthropic.encodeResponse(hub, req) as any
    const use = sent.content.find((b: any) => b.type === 'tool_use')
    const next = anthropic.decodeRequest({
      model: 'g',
      max_tokens: 10,
      messages: [
        { role: 'user', content: 'Weather in SF?' },
        { role: 'assistant', content: sent.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: 'sunny' }] },
      ],
    })
    const { call: fc, response } = geminiFollowUp(next)
    expect(fc.thoughtSignature).toBe(SIG)
    expect(fc.functionCall.name).toBe('weather')
    expect(response.functionResponse).toEqual({ id: fc.functionCall.id, name: 'weather', response: { output: 'sunny' } })
  })

  it('survives a streamed answer to an OpenAI Chat client', async () => {
    const lines = readRecordedChunks('gemini', 'google-tool-call.chunks.txt')
    const streamSig = JSON.parse(lines[0]!).candidates[0].content.parts[0].thoughtSignature
    const frames = await encodeWith(openaiChat.encodeStream, await decodeLines(lines))
    const deltas = frames.slice(0, -1).flatMap((f) => JSON.parse(f.data).choices[0]?.delta.tool_calls ?? [])
    const id = deltas.find((d: any) => d.id).id
    const args = deltas.map((d: any) => d.function.arguments ?? '').join('')
    const next = openaiChat.decodeRequest({
      model: 'g',
      messages: [
        { role: 'user', content: 'q' },
        { role: 'assistant', content: null, tool_calls: [{ id, type: 'function', function: { name: 'weather', arguments: args } }] },
        { role: 'tool', tool_call_id: id, content: 'ok' },
      ],
    })
    expect(geminiFollowUp(next).call.thoughtSignature).toBe(streamSig)
  })

  it('a text part’s signature comes back on the text, through OpenAI Chat reasoning_details and through Anthropic', () => {
    const hub = gemini.decodeResponse(text)
    const answer = text.candidates[0].content.parts[0].text

    const oai = (openaiChat.encodeResponse(hub, openaiChat.decodeRequest({ model: 'g', messages: [{ role: 'user', content: 'q' }] })) as any)
      .choices[0].message
    expect(oai.reasoning_details[0]).toMatchObject({ signature: TEXT_SIG, format: 'google-gemini-v1' })
    const viaOpenAI = openaiChat.decodeRequest({
      model: 'g',
      messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: oai.content, reasoning_details: oai.reasoning_details }, { role: 'user', content: 'more' }],
    })
    expect(geminiFollowUp(viaOpenAI).model.parts).toEqual([{ text: answer, thoughtSignature: TEXT_SIG }])

    const claude = anthropic.encodeResponse(hub, anthropic.decodeRequest({ model: 'g', max_tokens: 5, messages: [{ role: 'user', content: 'q' }] })) as any
    const viaAnthropic = anthropic.decodeRequest({
      model: 'g',
      max_tokens: 5,
      messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: claude.content }, { role: 'user', content: 'more' }],
    })
    expect(geminiFollowUp(viaAnthropic).model.parts).toEqual([{ text: answer, thoughtSignature: TEXT_SIG }])
  })

  it('a stream accumulated into a response keeps the call’s signature', async () => {
    const events = await decodeLines(readRecordedChunks('gemini', 'google-tool-call-gemini3.chunks.txt'))
    const acc = new ResponseAccumulator()
    for (const e of events) acc.add(e)
    const res = acc.result()!
    const call = res.content.find((p) => p.type === 'tool_call')!
    expect(call.type === 'tool_call' && call.signature).toBeTruthy()
    const out = gemini.encodeResponse(res, { model: 'g', system: [], messages: [], stream: false }) as any
    expect(out.candidates[0].content.parts[0].thoughtSignature).toBe(call.type === 'tool_call' ? call.signature : '')
  })
})

describe('another provider’s reasoning through a Gemini client', () => {
  it('an Anthropic signature is wrapped for the Gemini client and unwrapped when it comes back', () => {
    const res = {
      id: 'msg_1',
      model: 'claude-x',
      content: [
        { type: 'thinking' as const, text: 'hmm', signature: 'ant-sig', format: 'anthropic-claude-v1' },
        { type: 'text' as const, text: 'Hello' },
        { type: 'redacted_thinking' as const, data: 'secret', format: 'anthropic-claude-v1' },
      ],
      finishReason: 'stop' as const,
      usage: { inputTokens: 3, outputTokens: 4 },
    }
    const out = gemini.encodeResponse(res, { model: 'claude-x', system: [], messages: [], stream: false }) as any
    const parts = out.candidates[0].content.parts
    expect(parts).toEqual([{ text: 'hmm', thought: true, thoughtSignature: 'gwsig.anthropic-claude-v1.ant-sig' }, { text: 'Hello' }])
    const back = gemini.decodeRequest(
      { contents: [{ role: 'user', parts: [{ text: 'q' }] }, { role: 'model', parts }, { role: 'user', parts: [{ text: 'more' }] }] },
      { model: 'claude-x' },
    )
    expect(back.messages[1]!.content[0]).toEqual({ type: 'thinking', text: 'hmm', signature: 'ant-sig', format: 'anthropic-claude-v1' })
    // An Anthropic upstream gets its own block back.
    const claude = anthropic.encodeRequest(back, ctx('claude-x')) as any
    expect(claude.messages[1].content[0]).toEqual({ type: 'thinking', thinking: 'hmm', signature: 'ant-sig' })
  })
})
