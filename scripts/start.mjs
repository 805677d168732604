#!/usr/bin/env node
// `npm start`: builds only when something the build reads has changed since
// the build in dist/ was made (see fingerprint.mjs), then serves
// dist/server.js in this process. A build that fails leaves no fingerprint,
// so the next start builds again; a stale build is never served.
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { isBuilt, ROOT, SERVER } from './fingerprint.mjs'

if (!isBuilt()) {
  process.stderr.write(`bud-sandbox: building (${existsSync(SERVER) ? 'what the build reads has changed since the last one' : 'no build yet'})\n`)
  try {
    execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, stdio: 'inherit' })
  } catch {
    process.stderr.write('bud-sandbox: the build failed (see above)\n')
    process.exit(1)
  }
}
process.setSourceMapsEnabled(true)
await import(SERVER)
