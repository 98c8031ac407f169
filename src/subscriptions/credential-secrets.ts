/**
 * Field names whose values are credentials, in every CLI's file and in the logins' own records:
 * `access_token`, `accessToken`, `refresh_token`, `id_token`, a login's in-memory `token`,
 * `client_secret`, a service account's `private_key`, Codex's `OPENAI_API_KEY`. Not `token_type`,
 * `token_uri` or `private_key_id` (they name, they do not grant).
 */
const SECRET_FIELD = /token$|secret|private_?key$|api_?key$|password/i

/**
 * Every credential in a credentials file (or a login's record of one), by field name at any depth:
 * what the redactor must know (src/security/secrets.ts LearnedSecrets) before the login's token goes
 * anywhere. Unknown fields a CLI adds later are covered as long as their names say what they are.
 */
export function credentialSecrets(value: unknown, out: string[] = [], depth = 0): string[] {
  if (depth > 6 || typeof value !== 'object' || value === null) return out
  for (const [k, v] of Object.entries(value)) {
    if (typeof v === 'string') {
      if (SECRET_FIELD.test(k)) out.push(v)
    } else credentialSecrets(v, out, depth + 1)
  }
  return out
}
