import type { ConfigFile } from '../../../src/config/config-file'
import { EndpointTable } from '../../../src/endpoints/endpoint-table'
import type { Runtime } from '../../../src/gateway/runtime'
import type { CommandContext } from '../../../src/interceptors/commands/command'
import { findCommand } from '../../../src/interceptors/commands/parse-command'
import { runCommand } from '../../../src/interceptors/commands/registry'
import type { SessionData } from '../../../src/interceptors/types'
import { fakeRuntime, fakeSession } from '../turns'

/** Two configured back ends (openai, anthropic); the rest of the catalogue has no key. */
export const KEYS = { OPENAI_API_KEY: 'sk-test-openai', ANTHROPIC_API_KEY: 'sk-ant-test', LLM_PROXY_LOCAL_DISCOVERY: '0' }

/** fakeRuntime with the endpoint table commands check selectors against. */
export function commandRuntime(env: Record<string, string> = {}, config: ConfigFile = {}): Runtime {
  const { rt } = fakeRuntime({ ...KEYS, ...env }, config)
  return Object.assign(rt, { endpoints: new EndpointTable(rt.settings.backends) })
}

/** Runs one command line against a session, as session-commands would. */
export function run(text: string, data: SessionData = {}, o: { rt?: Runtime; prefix?: string } = {}) {
  const session = fakeSession(data)
  const prefix = o.prefix ?? '!/'
  const ctx: CommandContext = { rt: o.rt ?? commandRuntime(), session, prefix }
  const match = findCommand(text, prefix)
  if (!match) throw new Error(`no command in ${text}`)
  return { ...runCommand(ctx, match), data: session.data, touched: session.touched }
}
