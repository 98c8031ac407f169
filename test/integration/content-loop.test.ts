/**
 * Content-loop detection end to end (LOOP_DETECTION=on): an upstream stuck
 * repeating itself is cut after the 6th repeat of an 80-character chunk, the
 * client gets the text so far, a short note and a normal finish through its
 * official SDK, and the gateway lets go of the upstream (which would otherwise
 * stream on). Pass-through (OpenAI SDK → OpenAI Chat upstream) and translated
 * (Anthropic and Gemini SDKs), streaming and not.
 */
import Anthropic from '@anthropic-ai/sdk'
import { GoogleGenAI } from '@google/genai'
import OpenAI from 'openai'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startGateway, type NodeGateway } from '../../adapters/node'
import { LOOP_NOTE } from '../../src/interceptors/content-loop'
import { startLoopingUpstream, type LoopingUpstream } from './looping-upstream'

/** One period of the loop: 100 characters. */
const U = 'I will now check the configuration again to make sure that every value is right before I go on now. '
/** What the client must see: five periods, the first 80 characters of the sixth, the note. */
const CUT = U.repeat(5) + U.slice(0, 80) + LOOP_NOTE
const KEY = 'client-key-loops-1'

let up: LoopingUpstream
let gw: NodeGateway | undefined
beforeAll(async () => {
  up = await startLoopingUpstream({ text: U, piece: 25, cap: 4000 })
})
afterAll(() => up.close())
afterEach(async () => {
  await gw?.close()
  gw = undefined
})

async function gateway(extra: Record<string, string> = {}) {
  gw = await startGateway(
    { PROXY_API_KEYS: KEY, OPENAI_API_KEY: 'sk-up-looper-key', OPENAI_BASE_URL: `${up.url}/v1`, LOG_LEVEL: 'silent', LLM_PROXY_LOCAL_DISCOVERY: '0', LOOP_DETECTION: 'on', ...extra },
    '127.0.0.1',
    0,
  )
  return {
    openai: new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: KEY, maxRetries: 0 }),
    anthropic: new Anthropic({ baseURL: `${gw.url}/anthropic`, apiKey: KEY, maxRetries: 0 }),
    gemini: new GoogleGenAI({ apiKey: KEY, httpOptions: { baseUrl: gw.url } }),
  }
}

/** The last stream the upstream served was closed by the gateway before its end (it would otherwise run to the cap). */
async function upstreamLetGo() {
  const s = up.streams.at(-1)!
  await s.done
  expect(s.closedEarly).toBe(true)
  expect(s.pieces).toBeLessThan(4000)
}

const MODEL = 'openai:looper'
const ask = 'Check the configuration.'

describe('content-loop end to end', () => {
  it('OpenAI SDK, streaming (pass-through): the cut text, the note, finish_reason stop; the upstream is let go', async () => {
    const c = await gateway()
    const stream = await c.openai.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: ask }], stream: true })
    let text = ''
    let finish: string | null | undefined
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? ''
      finish = chunk.choices[0]?.finish_reason ?? finish
    }
    expect(text).toBe(CUT)
    expect(finish).toBe('stop')
    await upstreamLetGo()
  })

  it('Anthropic SDK, streaming (translated): the same, stop_reason end_turn', async () => {
    const c = await gateway()
    const message = await c.anthropic.messages.stream({ model: MODEL, max_tokens: 4000, messages: [{ role: 'user', content: ask }] }).finalMessage()
    expect(message.content).toEqual([expect.objectContaining({ type: 'text', text: CUT })])
    expect(message.stop_reason).toBe('end_turn')
    await upstreamLetGo()
  })

  it('Gemini SDK, streaming (translated): the same, finishReason STOP', async () => {
    const c = await gateway()
    let text = ''
    let finish: string | undefined
    for await (const r of await c.gemini.models.generateContentStream({ model: MODEL, contents: ask })) {
      text += r.text ?? ''
      finish = r.candidates?.[0]?.finishReason ?? finish
    }
    expect(text).toBe(CUT)
    expect(finish).toBe('STOP')
    await upstreamLetGo()
  })

  it('finished answers: OpenAI SDK (pass-through) and Anthropic SDK (translated) get the cut text with the upstream usage', async () => {
    const c = await gateway()
    const r = await c.openai.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: ask }] })
    expect(r.choices[0]!.message.content).toBe(CUT)
    expect(r.choices[0]!.finish_reason).toBe('stop')
    expect(r.usage).toMatchObject({ prompt_tokens: 10, completion_tokens: 700 })

    const m = await c.anthropic.messages.create({ model: MODEL, max_tokens: 4000, messages: [{ role: 'user', content: ask }] })
    expect(m.content).toEqual([expect.objectContaining({ type: 'text', text: CUT })])
    expect(m.stop_reason).toBe('end_turn')
    expect(m.usage.output_tokens).toBe(700)
  })

  it('off (the default): a finished answer comes whole', async () => {
    const c = await gateway({ LOOP_DETECTION: 'off' })
    const r = await c.openai.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: ask }] })
    expect(r.choices[0]!.message.content).toBe(U.repeat(30))
  })
})
