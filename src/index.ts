import { createApp } from './app'

/** The Worker: settings come from each request's bindings (vars, secrets, `.dev.vars`). */
export default createApp()
