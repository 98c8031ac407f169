import type { TestProject } from 'vitest/node'
import { startFakeUpstream } from '../integration/fake-upstream'

/** Runs in Node: the fake upstream the Worker under test calls over loopback. */
export default async function (project: TestProject) {
  const upstream = await startFakeUpstream()
  project.provide('upstreamUrl', upstream.url)
  return () => upstream.close()
}

declare module 'vitest' {
  export interface ProvidedContext {
    upstreamUrl: string
  }
}
