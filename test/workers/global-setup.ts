import type { TestProject } from 'vitest/node'
import { startFakeUpstream } from '../integration/fake-upstream'
import { startFaultyUpstream } from '../integration/faulty-upstream'

/** Runs in Node: the fake upstreams the Worker under test calls over loopback (a sound one and a faulty one). */
export default async function (project: TestProject) {
  const upstream = await startFakeUpstream()
  const faulty = await startFaultyUpstream()
  project.provide('upstreamUrl', upstream.url)
  project.provide('faultyUpstreamUrl', faulty.url)
  return async () => {
    await upstream.close()
    await faulty.close()
  }
}

declare module 'vitest' {
  export interface ProvidedContext {
    upstreamUrl: string
    faultyUpstreamUrl: string
  }
}
