// REDIS_URL: several processes, one sandbox. A command is appended to the
// Redis stream before it runs; every process applies the stream in its
// order, one entry at a time, each at its recorded instant — a process's own
// request in its turn, through the request itself, another's through the
// app again (journaling.ts). So every process holds the same state, and a
// request on any of them sees every change answered before it on any other:
// its own entry comes after theirs. A control's read waits until its
// process has applied what the stream held when it asked. One process at a
// time sends webhooks (a lease in Redis); its attempts are entries too, so
// another that takes the lease over knows what was sent.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { RequestEntry } from '../state/journal.js'
import { streamIdAfter, type StreamEntry } from '../state/redis.js'
import { applying, type RedisState } from '../state/state.js'
import { StateUnavailable } from './error-handling.js'
import { SNAPSHOT_FORMAT, snapshotBytes, snapshotDue, takeSnapshot } from '../state/snapshot.js'
import { applyEntry, attemptEntry, isCommand, keptBody, requestEntry } from './journaling.js'

const LEASE_MS = 6000
const RENEW_MS = 2000
/** The longest a process waits for its own request to finish before applying what follows. */
const TURN_LIMIT_MS = 10_000

interface Turn {
  /** Every entry before it has been applied: the request runs (true), or, its client gone, is applied as any other entry (false). */
  start: (run: boolean) => void
  /** Settles once the request has been handled. */
  done: Promise<void>
  /** The client went away before its turn. */
  gone: () => boolean
}

const BEHIND = 'Service unavailable: this sandbox process fell behind the shared state (REDIS_URL) and must be restarted.'

/** A request whose client went away before its turn: applied like another process's entry instead. */
class ClientGone extends Error {
  readonly statusCode = 400
}

/** Registers the hooks; `start()` once the app is ready and the stream so far applied, `close()` when it closes. */
export function replicate (app: FastifyInstance, state: RedisState, bodyLimit: number, adminToken: string | undefined, snapshotEvery: number): { start: () => Promise<void>, close: () => void } {
  const { log } = state
  // How many entries the state holds (the snapshot's and the stream's), and when the last snapshot was.
  let applied = state.position + state.entries.length
  let snapshotAt = applied
  let bytesSince = 0
  let snapshotting = false
  // Trimmed past this process's place while it was stalled: what it holds is no longer the sandbox's.
  let behind = false
  const turns = new Map<string, Turn>()
  const finishes = new WeakMap<FastifyRequest, () => void>()
  let seq = 0
  let appliedId = state.lastId
  const closing = new AbortController()
  let restoring = false
  const catchers: Array<{ id: string, resolve: () => void }> = []

  // A command: appended, then run in its turn, once every entry before it is applied here.
  app.addHook('preParsing', async (request, reply, payload) => {
    if (applying() || !isCommand(request)) return payload
    if (behind) throw new StateUnavailable(BEHIND)
    // A control the lock will refuse changes nothing: it is not a command for the others to apply.
    if (adminToken !== undefined && request.url.startsWith('/__admin') && request.headers.authorization !== `Bearer ${adminToken}`) return payload
    const { raw, stream } = await keptBody(payload, bodyLimit)
    // Fallen behind while the body came: no turn would ever start.
    if (behind) throw new StateUnavailable(BEHIND)
    const token = `${log.instance}/${seq++}`
    let finish!: () => void
    const done = new Promise<void>((resolve) => { finish = resolve })
    const started = new Promise<boolean>((resolve) => turns.set(token, { start: resolve, done, gone: () => reply.raw.destroyed || request.raw.socket?.destroyed === true }))
    finishes.set(request, finish)
    // Handled once its answer is ready (onSend); a connection closed without one ends the turn too.
    reply.raw.once('close', finish)
    try {
      await log.append({ ...requestEntry(request, raw), p: token })
    } catch (err) {
      turns.delete(token)
      finish()
      request.log.warn({ err }, 'the shared state could not be reached')
      throw new StateUnavailable('Service unavailable: the sandbox cannot reach its shared state (REDIS_URL). Try again.')
    }
    const run = await started
    if (behind) throw new StateUnavailable(BEHIND)
    if (!run) throw new ClientGone('the client went away before its turn')
    return stream
  })
  const finished = (request: FastifyRequest) => {
    finishes.get(request)?.()
    finishes.delete(request)
  }
  app.addHook('onSend', (request, _reply, payload, done) => {
    finished(request)
    done(null, payload)
  })

  // One hook on every request: /health of a process fallen behind, and a control's read,
  // which answers what every process had answered before it was asked.
  app.addHook('onRequest', async (request, reply) => {
    if (behind && request.routeOptions.url === '/health') return reply.code(503).send({ status: 'behind' })
    if (applying() || request.method !== 'GET' || !request.url.startsWith('/__admin')) return
    let last: string
    try {
      last = await log.lastId()
    } catch {
      throw new StateUnavailable('Service unavailable: the sandbox cannot reach its shared state (REDIS_URL). Try again.')
    }
    if (!streamIdAfter(last, appliedId)) return
    await new Promise<void>((resolve) => catchers.push({ id: last, resolve }))
  })

  // Webhook attempts are entries too; the process applying its own skips them.
  app.webhooks.on('attempt', (delivery) => {
    if (restoring || state.replaying) return
    log.append({ ...attemptEntry(delivery), p: log.instance }).catch((err: unknown) => app.log.warn({ err }, 'a webhook attempt could not be journaled'))
  })

  const apply = async (id: string, entry: StreamEntry, size: number) => {
    const own = entry.p === undefined ? undefined : turns.get(entry.p)
    if (own !== undefined && own.gone()) {
      turns.delete(entry.p!)
      own.start(false)
      await applyEntry(app, state, entry as RequestEntry, adminToken)
    } else if (own !== undefined) {
      turns.delete(entry.p!)
      own.start(true)
      let timer: NodeJS.Timeout | undefined
      await Promise.race([own.done, new Promise<void>((resolve) => { timer = setTimeout(resolve, TURN_LIMIT_MS) })])
      clearTimeout(timer)
    } else if (entry.t === 'attempt') {
      if (entry.p !== log.instance) {
        restoring = true
        try {
          app.webhooks.applyAttempt(entry.delivery, entry)
        } finally {
          restoring = false
        }
      }
    } else {
      await applyEntry(app, state, entry, adminToken)
    }
    appliedId = id
    applied++
    bytesSince += size
    log.hold(id)
    for (let i = catchers.length - 1; i >= 0; i--) {
      if (!streamIdAfter(catchers[i]!.id, appliedId)) catchers.splice(i, 1)[0]!.resolve()
    }
    if (leading && !snapshotting && snapshotDue(applied - snapshotAt, bytesSince, snapshotEvery, state.snapshotBytes)) keepSnapshot(id)
  }

  // The process that sends the webhooks keeps the snapshot: taken here, between two entries, it holds exactly those up to `id`.
  const keepSnapshot = (id: string) => {
    snapshotting = true
    snapshotAt = applied
    bytesSince = 0
    const started = performance.now()
    const header = { bud_sandbox_snapshot: SNAPSHOT_FORMAT, secret: state.header.secret, entries: applied, stream_id: id, taken_at_ms: Date.now() }
    const bytes = snapshotBytes(header, takeSnapshot({ worlds: app.worlds, tokens: app.tokens, webhooks: app.webhooks, draws: state.draws }))
    state.snapshotBytes = bytes.length
    log.keepSnapshot(bytes, id)
      .then(() => app.log.info({ entries: header.entries, streamId: id, bytes: bytes.length, ms: Math.round(performance.now() - started) }, `snapshot of ${header.entries} stream entries kept`))
      .catch((err: unknown) => app.log.warn({ err }, 'the snapshot could not be kept'))
      .finally(() => { snapshotting = false })
  }

  // The stream, applied in order, for as long as the app runs.
  const follow = async () => {
    while (!closing.signal.aborted) {
      // Fallen behind (found by the lease's round): nothing more is applied here.
      if (behind) return
      let batch: Array<[string, StreamEntry, number, string | undefined]>
      try {
        batch = await log.read(appliedId)
      } catch {
        if (!closing.signal.aborted) await new Promise((resolve) => setTimeout(resolve, 200))
        continue
      }
      for (const [id, entry, size, prev] of batch) {
        // The entry before this one is not the last one applied here: the stream was trimmed past this process's place.
        if (prev !== undefined && prev !== appliedId) return fallBehind()
        if (behind) return
        try {
          await apply(id, entry, size)
        } catch (err) {
          app.log.error({ err, id }, 'a journal entry could not be applied')
          // Counted all the same: a snapshot's count of entries is the stream's.
          appliedId = id
          applied++
          bytesSince += size
        }
      }
    }
  }

  // What this process holds is no longer the sandbox's: it applies nothing more, answers
  // 503 to whatever needs the state (/health included, so a supervisor restarts it),
  // and neither sends webhooks nor keeps a snapshot.
  const fallBehind = () => {
    if (behind) return
    behind = true
    app.log.error({ appliedId }, 'this process fell behind the stream as it was trimmed (stalled for more than 30 s): restart it')
    for (const turn of turns.values()) turn.start(false)
    turns.clear()
    if (leading) {
      leading = false
      app.webhooks.mute(true)
    }
  }

  // One process sends webhooks: the one holding the lease. The others schedule them and keep quiet.
  let leading = false
  const lead = async () => {
    if (behind) return
    let held = false
    try {
      // Every entry before the trim is gone: one after this process's place may have been.
      if (streamIdAfter(await log.trimmedUpTo(), appliedId)) return fallBehind()
      held = await log.lead(LEASE_MS)
    } catch {}
    if (held !== leading) {
      leading = held
      app.webhooks.mute(!held)
      app.log.info({ instance: log.instance }, held ? 'this process sends the webhooks' : 'another process sends the webhooks')
    }
  }
  let leaseTimer: NodeJS.Timeout | undefined

  return {
    start: async () => {
      app.webhooks.mute(true)
      await lead()
      leaseTimer = setInterval(() => { lead().catch(() => {}) }, RENEW_MS)
      leaseTimer.unref()
      follow().catch((err: unknown) => app.log.error({ err }, 'the stream is no longer followed'))
    },
    close: () => {
      closing.abort()
      clearInterval(leaseTimer)
      for (const turn of turns.values()) turn.start(false)
      log.close()
    }
  }
}
