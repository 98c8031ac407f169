import { countTokens } from '../gateway/count-tokens'
import { generate } from '../gateway/generate'
import { callOf } from './types'
import { anthropicModel, anthropicModelList, findModel, listModels, openaiModel, openaiModelList } from '../gateway/list-models'
import { speaksAnthropic } from '../http/client-family'
import { deleteStoredResponse, getStoredResponse, responsesHooks } from '../gateway/responses-state'
import { PROTOCOLS } from '../protocols'
import type { GatewayApp } from './types'

/** OpenAI's routes: Chat Completions, Responses (with stored responses) and the model list. */
export function openaiRoutes(app: GatewayApp): void {
  app.post('/v1/chat/completions', (c) => generate(callOf(c), PROTOCOLS['openai-chat']))
  app.post('/v1/responses', (c) =>
    generate(callOf(c), PROTOCOLS['openai-responses'], {
      // Stored responses are their client's own (src/gateway/responses-state.ts).
      hooks: responsesHooks(c.var.rt.store, c.var.rt.settings.responsesStoreMaxBytes, c.var.rt.redactor, c.var.client.name),
    }),
  )
  app.post('/v1/responses/input_tokens', (c) =>
    countTokens(c.req.raw, c.var.rt, {
      protocol: 'openai-responses',
      decode: (body) => PROTOCOLS['openai-responses'].decodeRequest(body),
      upstreamPath: () => '/responses/input_tokens',
      upstreamBody: (body, model) => ({ ...body, model }),
      estimate: (tokens) => ({ object: 'response.input_tokens', input_tokens: tokens }),
    }),
  )
  // Stored responses and model lists hold upstream text: answered with the gateway's secrets removed.
  app.get('/v1/responses/:id', async (c) => c.var.rt.redactor.json(await getStoredResponse(c.var.rt.store, c.req.param('id'), c.var.client.name)))
  app.delete('/v1/responses/:id', async (c) => c.var.rt.redactor.json(await deleteStoredResponse(c.var.rt.store, c.req.param('id'), c.var.client.name)))
  // The Anthropic SDK with base URL `http://host` asks here too: it gets Anthropic's shape.
  app.get('/v1/models', async (c) => {
    const models = await listModels(c.var.rt)
    return c.var.rt.redactor.json(speaksAnthropic(c.req.raw.headers) ? anthropicModelList(models) : openaiModelList(models))
  })
  app.get('/v1/models/:id{.+}', async (c) => {
    const model = await findModel(c.var.rt, new URL(c.req.url).pathname, '/v1/models/')
    return c.var.rt.redactor.json(speaksAnthropic(c.req.raw.headers) ? anthropicModel(model) : openaiModel(model))
  })
}
