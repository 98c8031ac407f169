import { existsSync } from 'node:fs'
import { chromium, type Browser } from 'playwright-core'

/** Debian's chromium package (or CHROMIUM_PATH); the test never downloads a browser. */
export function chromiumPath(): string {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter((p): p is string => !!p)
  const found = candidates.find((p) => existsSync(p))
  if (!found)
    throw new Error(
      `Chromium is missing (looked for ${candidates.join(', ')}): install it with \`sudo apt-get install -y chromium\` ` +
        '(.ci/run does), or set CHROMIUM_PATH to a Chromium executable.',
    )
  return found
}

export function launchChromium(): Promise<Browser> {
  // --no-sandbox: CI runs as root, where Chromium's sandbox cannot start.
  return chromium.launch({ executablePath: chromiumPath(), headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] })
}
