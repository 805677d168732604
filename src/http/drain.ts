// Ends every connection once the server is closing, whatever its request is
// doing. Fastify closes the connections that are idle when closing starts and
// answers the busy ones with `Connection: close`; what it cannot see is a
// connection answered before its request's body arrived (an early 401, 413
// or 415), which turns idle only later, and one whose client never finishes a
// request or never reads its answer. So, while closing: every connection that
// has turned idle is closed straight away, and after `graceMs` whatever is
// left is closed too. An answer already given has been written by then.
import type { Server } from 'node:http'

/** How often connections that turned idle are looked for while closing. */
const SWEEP_MS = 20

export function drainConnections (server: Server, graceMs: number): void {
  const sweep = setInterval(() => server.closeIdleConnections(), SWEEP_MS)
  const deadline = setTimeout(() => {
    clearInterval(sweep)
    server.closeAllConnections()
  }, graceMs)
  // The connections keep the process alive while they last; these timers alone must not.
  sweep.unref()
  deadline.unref()
  server.once('close', () => {
    clearInterval(sweep)
    clearTimeout(deadline)
  })
}
