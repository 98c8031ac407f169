import { countTokens } from '../gateway/count-tokens'
import { generate } from '../gateway/generate'
import { anthropicModel, anthropicModelList, findModel, listModels } from '../gateway/list-models'
import { PROTOCOLS } from '../protocols'
import type { GatewayApp } from './types'

const anthropic = PROTOCOLS.anthropic

/** Anthropic's routes, at the root (`/v1/messages`, as Claude Code calls them) and under `/anthropic`. */
export function anthropicRoutes(app: GatewayApp): void {
  for (const base of ['/v1', '/anthropic/v1']) {
    app.post(`${base}/messages`, (c) => generate(c.req.raw, anthropic, c.var.rt, { exchange: c.var }))
    app.post(`${base}/messages/count_tokens`, (c) =>
      countTokens(c.req.raw, c.var.rt, {
        protocol: 'anthropic',
        decode: (body) => anthropic.decodeRequest(body),
        upstreamPath: () => '/v1/messages/count_tokens',
        upstreamBody: (body, model) => ({ ...body, model }),
        estimate: (tokens) => ({ input_tokens: tokens }),
      }),
    )
  }
  app.get('/anthropic/v1/models', async (c) => c.var.rt.redactor.json(anthropicModelList(await listModels(c.var.rt))))
  app.get('/anthropic/v1/models/:id{.+}', async (c) =>
    c.var.rt.redactor.json(anthropicModel(await findModel(c.var.rt, new URL(c.req.url).pathname, '/anthropic/v1/models/'))),
  )
}
