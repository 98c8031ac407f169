import { z } from 'zod'

/**
 * Who the gateway serves. `single-user` (the default on Node and Deno): one person on their own
 * machine, the adapters bind loopback only, CLI logins allowed. `multi-user` (opt-in; forced on a
 * deployed Worker): client keys required, CLI logins refused, no upstream on loopback, private,
 * link-local or cloud-metadata addresses. See src/access/policy.ts.
 */
export type AccessMode = 'single-user' | 'multi-user'

export interface AccessSettings {
  /** ACCESS_MODE as set (single-user when unset). A deployed Worker is multi-user whatever it says. */
  mode: AccessMode
  /** ACCESS_MODE was set explicitly. */
  explicit: boolean
  /**
   * TRUSTED_PROXIES: addresses of reverse proxies in front of the Node or Deno adapter. Only a
   * connection from one of them has its `x-forwarded-for` read for the client's address.
   */
  trustedProxies: string[]
}

/** The env part of the settings schema (spread into settings.ts's). */
export function accessSchemaShape(): Record<string, z.ZodType> {
  return {
    ACCESS_MODE: z
      .string()
      .optional()
      .refine((s) => s === undefined || s === '' || s === 'single-user' || s === 'multi-user', 'must be single-user or multi-user'),
    TRUSTED_PROXIES: z
      .string()
      .optional()
      .transform((s) => (s ? s.split(',').map((x) => x.trim()).filter(Boolean) : [])),
  }
}

/** Reads the access settings from the parsed env values. */
export function accessSettings(s: Record<string, any>): AccessSettings {
  const raw: string | undefined = s.ACCESS_MODE || undefined
  return { mode: (raw as AccessMode | undefined) ?? 'single-user', explicit: raw !== undefined, trustedProxies: s.TRUSTED_PROXIES ?? [] }
}
