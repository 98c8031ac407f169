import { CODE_ASSIST_VERSION } from '../../protocols/gemini-code-assist'
import { endpointError, loginError } from './login-error'
import type { LoginContext } from './login-kind'
import type { UpstreamResponse } from '../../upstream/transport'

/**
 * The Code Assist project of an account, found or made the way the Gemini CLI's `setupUser` does
 * (google-gemini/gemini-cli packages/core/src/code_assist/setup.ts):
 *
 * 1. `:loadCodeAssist` with `{cloudaicompanionProject, metadata: {ideType, platform, pluginType: 'GEMINI',
 *    duetProject}}` (GOOGLE_CLOUD_PROJECT as the project when set);
 * 2. an account with a current tier uses the project the answer names, else GOOGLE_CLOUD_PROJECT;
 * 3. otherwise it is onboarded into its default tier (`allowedTiers[].isDefault`, else `legacy-tier`) with
 *    `:onboardUser` — the free tier without a project (the CLI notes that naming one there fails), other
 *    tiers with GOOGLE_CLOUD_PROJECT — and the long-running operation is polled until `done`
 *    (`GET /v1internal/{name}` as the current CLI does; an answer without a name is asked again, as
 *    older CLIs did), its `response.cloudaicompanionProject.id` the project.
 */

const METADATA = { ideType: 'IDE_UNSPECIFIED', platform: 'PLATFORM_UNSPECIFIED', pluginType: 'GEMINI' } as const

type Json = Record<string, any>

export interface SetupOptions {
  baseUrl: string
  token: string
  /** What to run to log in again, for a 401. */
  relogin: string
}

export async function setupCodeAssist(o: SetupOptions, ctx: LoginContext): Promise<string> {
  const project = ctx.project
  const call = async (method: 'GET' | 'POST', path: string, body?: object): Promise<Json> => {
    const url = o.baseUrl + path
    let res: UpstreamResponse
    try {
      res = await ctx.transport({
        url,
        method,
        headers: new Headers({ authorization: `Bearer ${o.token}`, 'content-type': 'application/json' }),
        ...(body ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(ctx.timeoutMs),
      })
    } catch (err) {
      throw endpointError(`Code Assist set-up (${path}) could not reach the upstream (${(err as Error)?.message ?? 'network error'}).`)
    }
    const text = await res.text().catch(() => '')
    if (res.status === 401) throw loginError(`Code Assist refused the login during set-up (${path}): ${o.relogin}.`)
    if (!res.ok) throw endpointError(`Code Assist set-up (${path}) answered ${res.status}${googleMessage(text)}.`)
    try {
      const parsed = JSON.parse(text)
      if (parsed && typeof parsed === 'object') return parsed
    } catch {}
    throw endpointError(`Code Assist set-up (${path}) answered something that is not JSON.`)
  }
  const rpc = (name: string, body: object) => call('POST', `/${CODE_ASSIST_VERSION}:${name}`, body)

  const load = await rpc('loadCodeAssist', { cloudaicompanionProject: project, metadata: { ...METADATA, duetProject: project } })
  if (load.currentTier) {
    const named = projectId(load.cloudaicompanionProject)
    if (named) return named
    if (project) return project
    throw ineligible(load)
  }

  const tier: Json = (Array.isArray(load.allowedTiers) ? load.allowedTiers : []).find((t: Json) => t?.isDefault) ?? { id: 'legacy-tier' }
  const onboard =
    tier.id === 'free-tier'
      ? { tierId: tier.id, metadata: METADATA }
      : { tierId: tier.id, cloudaicompanionProject: project, metadata: { ...METADATA, duetProject: project } }
  let op = await rpc('onboardUser', onboard)
  for (let polls = 0; !op.done; polls++) {
    if (polls >= ctx.maxPolls) throw endpointError('Code Assist did not finish setting up the account (onboardUser) in time; try again later.')
    await new Promise((f) => setTimeout(f, ctx.pollMs))
    op = typeof op.name === 'string' && op.name ? await call('GET', `/${CODE_ASSIST_VERSION}/${op.name}`) : await rpc('onboardUser', onboard)
  }
  const made = projectId(op.response?.cloudaicompanionProject)
  if (made) return made
  if (project) return project
  throw ineligible(load)
}

/** `"p"` or `{id: "p"}`. */
function projectId(v: unknown): string | undefined {
  if (typeof v === 'string' && v) return v
  if (v && typeof v === 'object' && typeof (v as Json).id === 'string' && (v as Json).id) return (v as Json).id
  return undefined
}

/** The CLI's ProjectIdRequiredError / IneligibleTierError, as one message. */
function ineligible(load: Json) {
  const reasons = (Array.isArray(load.ineligibleTiers) ? load.ineligibleTiers : [])
    .map((t: Json) => (typeof t?.reasonMessage === 'string' ? t.reasonMessage : ''))
    .filter(Boolean)
    .join('; ')
  return endpointError(
    reasons
      ? `Code Assist has no project for this account: ${reasons}`
      : 'Code Assist has no project for this account: set GOOGLE_CLOUD_PROJECT (a Workspace or Standard-tier account needs one).',
  )
}

/** ` (message)` from a Google error body, or nothing. */
function googleMessage(text: string): string {
  try {
    const m = JSON.parse(text)?.error?.message
    return typeof m === 'string' && m ? `: ${m.slice(0, 300)}` : ''
  } catch {
    return ''
  }
}
