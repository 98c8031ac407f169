import type { TestProject } from 'vitest/node'
import { startFakeUpstream } from '../integration/fake-upstream'
import { startFaultyUpstream } from '../integration/faulty-upstream'
import { startScriptedUpstream } from '../integration/scripted-upstream'

/**
 * Runs in Node: the fake upstreams the Worker under test calls over loopback (a sound one, a faulty one,
 * and a scriptable one that tests drive over HTTP: see test/integration/scripted-upstream.ts).
 */
export default async function (project: TestProject) {
  const upstream = await startFakeUpstream()
  const faulty = await startFaultyUpstream()
  const scripted = await startScriptedUpstream()
  project.provide('upstreamUrl', upstream.url)
  project.provide('faultyUpstreamUrl', faulty.url)
  project.provide('scriptedUpstreamUrl', scripted.url)
  return async () => {
    await upstream.close()
    await faulty.close()
    await scripted.close()
  }
}

declare module 'vitest' {
  export interface ProvidedContext {
    upstreamUrl: string
    faultyUpstreamUrl: string
    scriptedUpstreamUrl: string
  }
}
