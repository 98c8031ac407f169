import Anthropic from '@anthropic-ai/sdk'
import { GoogleGenAI } from '@google/genai'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startGateway, type NodeGateway } from '../../adapters/node'
import { defineFaultMatrix, faultSettings, FRONTS, sender, type Front } from './fault-matrix'
import { startFaultyUpstream, type FaultyUpstream } from './faulty-upstream'

/** Broken upstreams end honestly, through the Node adapter (see fault-matrix.ts). */
let upstream: FaultyUpstream
let gateway: NodeGateway

beforeAll(async () => {
  upstream = await startFaultyUpstream()
  gateway = await startGateway(faultSettings(upstream.url), '127.0.0.1', 0)
})
afterAll(async () => {
  await gateway.close()
  await upstream.close()
})

const overHttp = () => (path: string, init: RequestInit) => fetch(`${gateway.url}${path}`, init)
const send = sender(overHttp)

defineFaultMatrix(overHttp)

describe('a client that goes away releases the upstream connection', () => {
  const cases: Array<{ name: string; front: Front; model: string }> = [
    { name: 'passed through', front: 'openai-chat', model: 'openai:hold.gone-pass' },
    { name: 'translated', front: 'anthropic', model: 'openai:hold.gone-translated' },
    { name: 'passed through and observed for the Responses store', front: 'openai-responses', model: 'openai-responses:hold.gone-observed' },
    { name: 'translated and observed for the Responses store', front: 'openai-responses', model: 'anthropic:hold.gone-observed-translated' },
  ]
  for (const c of cases)
    it(c.name, async () => {
      const abort = new AbortController()
      const res = await send(c.front, c.model, true, abort.signal)
      const reader = res.body!.getReader()
      expect((await reader.read()).done).toBe(false) // the stream has started
      const closed = upstream.closed(c.model.slice(c.model.indexOf(':') + 1))
      abort.abort()
      // Bounded: a connection that stayed open would fail here, not hang the suite.
      const bound = new Promise<string>((resolve) => setTimeout(() => resolve('still open'), 5000).unref())
      expect(await Promise.race([closed.then(() => 'closed'), bound])).toBe('closed')
    })
})

describe('the official SDKs see the error, not a finish', () => {
  const sdk = () => {
    const base = gateway.url
    return {
      openai: new OpenAI({ baseURL: `${base}/v1`, apiKey: 'k', maxRetries: 0 }),
      anthropic: new Anthropic({ baseURL: base, apiKey: 'k', maxRetries: 0 }),
      gemini: new GoogleGenAI({ apiKey: 'k', httpOptions: { baseUrl: base } }),
    }
  }
  const drain = async (it: AsyncIterable<unknown>) => {
    for await (const _ of it);
  }
  const runs: Record<Front, (model: string) => Promise<unknown>> = {
    'openai-chat': async (model) => drain(await sdk().openai.chat.completions.create({ model, stream: true, messages: [{ role: 'user', content: 'hi' }] })),
    'openai-responses': async (model) => drain(await sdk().openai.responses.create({ model, stream: true, input: 'hi' })),
    anthropic: (model) => sdk().anthropic.messages.stream({ model, max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] }).finalMessage(),
    gemini: async (model) => drain(await sdk().gemini.models.generateContentStream({ model, contents: 'hi' })),
  }
  for (const fault of ['stall', 'missing-terminal', 'reset-after-headers', 'malformed-sse'] as const)
    it.concurrent(fault, async () => {
      await Promise.all(
        (Object.keys(FRONTS) as Front[]).flatMap((front) =>
          (['same', 'other'] as const).map(async (which) => {
            const model = `${FRONTS[front][which]}:${fault}.sdk-${front}-${which}`
            await expect(runs[front](model), `${front} via ${model}`).rejects.toThrow(/upstream/i)
          }),
        ),
      )
    })
})
