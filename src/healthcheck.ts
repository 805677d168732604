#!/usr/bin/env node
// The container's HEALTHCHECK: exits 0 when the sandbox on PORT answers
// /health, 1 otherwise. Needs nothing beyond Node (no curl in the image).
const port = process.env.PORT ?? '4010'
try {
  const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(2000) })
  process.exitCode = res.ok ? 0 : 1
} catch {
  process.exitCode = 1
}
