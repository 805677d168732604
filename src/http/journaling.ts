// With a kept state (STATE_DIR or REDIS_URL), every request that can change
// the sandbox is a command kept in the journal: the request as received,
// its id, and the instant it was handled at (the whole request reads the
// clock at that one instant, held in its request context). Applying an
// entry is asking the same app the same request again, marked with the
// state's secret so that it runs at its recorded instant and is neither
// journaled, logged nor delayed again: the one engine rebuilds the same
// state, the same ids and tokens included (docs/state.md). This module is
// what both kinds share, and STATE_DIR's own hooks; REDIS_URL's are in
// replication.ts.
import { setImmediate } from 'node:timers/promises'
import { Readable } from 'node:stream'
import { fastifyRequestContext, requestContext } from '@fastify/request-context'
import type { FastifyInstance, FastifyRequest, HTTPMethods } from 'fastify'
import { join } from 'node:path'
import { JOURNAL_FILE, STATE_FORMAT, type AttemptEntry, type JournalEntry, type RequestEntry } from '../state/journal.js'
import { SNAPSHOT_FORMAT, snapshotDue, takeSnapshot, writeSnapshotFile } from '../state/snapshot.js'
import { applying, type DirState, type State } from '../state/state.js'
import type { Delivery } from '../webhooks/dispatcher.js'

/** Routes that only read what is served to everyone: never journaled. */
const READ_ONLY_ROUTES = new Set(['/health', '/ready', '/bud-callback.jwks', '/sandbox-pages/style.css', '/sandbox/callback', '/logos/:kind/:id/:file', '/logos/providers/:file'])
/** Headers an entry does not keep (the body's length is its own; the id is kept apart). */
const UNKEPT_HEADERS = new Set(['host', 'connection', 'keep-alive', 'content-length', 'transfer-encoding', 'accept-encoding', 'x-request-id', 'x-bud-sandbox-apply', 'x-bud-sandbox-at'])
/** An entry being applied carries the state's secret here, and its instant in the next. */
const APPLY_HEADER = 'x-bud-sandbox-apply'
const AT_HEADER = 'x-bud-sandbox-at'

/** Whether a request can change the sandbox: Bud's operations (a poll feeds the checks), the pages, every control but a read. */
export function isCommand (request: FastifyRequest): boolean {
  const route = request.routeOptions.url
  if (route === undefined || route.startsWith('/docs') || READ_ONLY_ROUTES.has(route)) return false
  if (route.startsWith('/__admin')) return request.method !== 'GET' && request.method !== 'HEAD'
  return request.method !== 'HEAD' && request.method !== 'OPTIONS'
}

/** Each request's context: its instant, and whether it is an entry being applied. First, before any route. */
export async function requestInstants (app: FastifyInstance, state: State): Promise<void> {
  const secret = state.header.secret
  await app.register(fastifyRequestContext, {
    defaultStoreValues: (request) => request.headers[APPLY_HEADER] === secret
      ? { at: Number(request.headers[AT_HEADER]), applied: true }
      : { at: Date.now(), applied: false }
  })
  // What an applied entry does was logged when it was first answered.
  app.addHook('onRequest', (request, _reply, done) => {
    if (applying()) request.log.level = 'warn'
    done()
  })
  // Its answer went to its client then; now nobody reads it, so it is not copied out (most of a replay's time).
  app.addHook('onSend', (_request, _reply, payload, done) => {
    done(null, applying() ? '' : payload)
  })
}

/**
 * Reads a command's body as it came and hands it on to be parsed as usual.
 * Past the body limit it is handed on as it is: the parser then answers
 * 413, and nothing is kept. Read with plain listeners and handed on in a
 * stream that holds it already: an async iterator over the request and
 * `Readable.from` cost a POST more than the rest of its journaling
 * (docs/performance.md).
 */
export function keptBody (payload: Readable, bodyLimit: number): Promise<{ raw: string | undefined, stream: Readable }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let length = 0
    const stop = () => {
      payload.off('data', onData)
      payload.off('end', onEnd)
      payload.off('error', onError)
    }
    const onEnd = () => {
      stop()
      const all = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)
      const stream = new Readable({ read () {} })
      if (all.length > 0) stream.push(all)
      stream.push(null)
      resolve({ raw: length > 0 && length <= bodyLimit ? all.toString('utf8') : undefined, stream: Object.assign(stream, { receivedEncodedLength: length }) })
    }
    const onData = (chunk: Buffer) => {
      chunks.push(chunk)
      length += chunk.length
      if (length > bodyLimit) {
        payload.destroy()
        onEnd()
      }
    }
    const onError = (err: Error) => {
      stop()
      reject(err)
    }
    payload.on('data', onData)
    payload.on('end', onEnd)
    payload.on('error', onError)
  })
}

/** A command as a journal entry: the request as it came, at its instant. */
export function requestEntry (request: FastifyRequest, body: string | undefined): RequestEntry {
  const admin = request.url.startsWith('/__admin')
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(request.headers)) {
    // The lock's secret is never written down: a replayed control passes the lock of the start that replays it.
    if (typeof value !== 'string' || UNKEPT_HEADERS.has(name) || (admin && name === 'authorization')) continue
    headers[name] = value
  }
  return {
    t: 'req',
    at: requestContext.get('at') ?? Date.now(),
    id: request.id,
    m: request.method,
    u: request.url,
    h: headers,
    ...(body === undefined ? {} : { b: body })
  }
}

export function attemptEntry (delivery: Delivery): AttemptEntry {
  return {
    t: 'attempt',
    delivery: delivery.deliveryId,
    status: delivery.status,
    attempts: delivery.attempts,
    ...(delivery.nextAttemptAtMs === undefined ? {} : { next: delivery.nextAttemptAtMs }),
    ...(delivery.body === undefined ? {} : { body: delivery.body }),
    ...(delivery.signature === undefined ? {} : { signature: delivery.signature })
  }
}

/** Applies one entry: a request asked of the app again at its instant, or a webhook attempt as it went. */
export async function applyEntry (app: FastifyInstance, state: State, entry: JournalEntry, adminToken: string | undefined): Promise<void> {
  if (entry.t === 'attempt') {
    app.webhooks.applyAttempt(entry.delivery, entry)
    return
  }
  const lock = adminToken !== undefined && entry.u.startsWith('/__admin') ? { authorization: `Bearer ${adminToken}` } : {}
  await app.inject({
    method: entry.m as HTTPMethods,
    url: entry.u,
    headers: { ...entry.h, 'x-request-id': entry.id, ...lock, [APPLY_HEADER]: state.header.secret, [AT_HEADER]: String(entry.at) },
    ...(entry.b === undefined ? {} : { payload: entry.b })
  })
}

/** How many entries a replay applies between two turns of the event loop. */
const YIELD_EVERY = 256

/**
 * Replays the journal at start, in order. Nothing is sent while it runs;
 * what falls due goes out once it has.
 */
export async function replayJournal (app: FastifyInstance, state: State, adminToken: string | undefined): Promise<number> {
  const entries = state.entries
  state.entries = []
  state.pin(undefined)
  state.replaying = true
  app.webhooks.mute(true)
  try {
    let applied = 0
    for await (const entry of entries) {
      await applyEntry(app, state, entry, adminToken)
      // Back to the event loop now and then. An injected request leaves a
      // callback for it (setImmediate) that holds the request and its answer;
      // a loop that only awaits never lets those run, and a long journal
      // would keep every request it replayed until the end (10 KB each).
      if (++applied % YIELD_EVERY === 0) await setImmediate()
    }
    state.replayed = true
  } finally {
    state.replaying = false
    app.webhooks.mute(false)
  }
  return entries.length
}

/** A command's body as it came, kept between preParsing and onSend. */
const rawBodies = new WeakMap<FastifyRequest, string>()

/**
 * STATE_DIR: a command is journaled once it has been handled, and answered
 * once its line is on disk. Once the journal holds `snapshotEvery` entries
 * after the last snapshot, a new one is taken and the journal cut after it;
 * and once more as the sandbox closes, so the next start replays nothing.
 */
export function journalToDisk (app: FastifyInstance, state: DirState, bodyLimit: number, snapshotEvery: number): void {
  let due = false
  // After a snapshot that failed (a full disk), the next is tried another snapshotEvery entries later.
  let failedAt = 0
  const compactSoon = () => {
    if (due || state.writer.mark().entries < failedAt + snapshotEvery) return
    due = true
    // Between two requests: the state then holds exactly the entries journaled.
    setImmediate().then(async () => {
      failedAt = 0
      await compact(app, state)
    }).catch((err: unknown) => {
      failedAt = state.writer.mark().entries
      app.log.error({ err, stateDir: state.where }, 'the snapshot could not be taken')
    }).finally(() => { due = false })
  }
  app.addHook('preParsing', async (request, _reply, payload) => {
    if (applying() || !isCommand(request)) return payload
    const { raw, stream } = await keptBody(payload, bodyLimit)
    if (raw !== undefined) rawBodies.set(request, raw)
    return stream
  })
  app.addHook('onSend', async (request, reply, payload) => {
    if (applying() || !isCommand(request)) return payload
    // A control the lock refused changed nothing.
    if (request.url.startsWith('/__admin') && reply.statusCode === 401) return payload
    const written = state.writer.append(JSON.stringify(requestEntry(request, rawBodies.get(request))), request.method !== 'GET')
    if (snapshotCalledFor(state, snapshotEvery)) compactSoon()
    if (written === undefined) return payload
    try {
      await written
      return payload
    } catch (err) {
      request.log.error({ err, stateDir: state.where }, 'the journal could not be written')
      reply.code(503).header('retry-after', '5').type('application/json; charset=utf-8')
      return JSON.stringify({ message: 'Service unavailable: the sandbox could not write its state (STATE_DIR), so this change would not survive a restart. Try again.' })
    }
  })
  // Each webhook attempt, so a restart neither sends a delivered webhook again nor forgets a failed one.
  app.webhooks.on('attempt', (delivery) => {
    if (!state.replaying) state.writer.append(JSON.stringify(attemptEntry(delivery)), false)
  })
  // Before the webhooks stop (they drop what is due as they do): the snapshot keeps it.
  app.addHook('preClose', async () => {
    if (state.writer.mark().entries > 0) await compact(app, state).catch((err: unknown) => app.log.error({ err, stateDir: state.where }, 'the snapshot could not be taken'))
  })
  app.addHook('onClose', async () => { await state.writer.close() })
}

/**
 * Takes a snapshot of the state as it is now, between two requests, and
 * cuts the journal after it: the snapshot is written beside the old one and
 * renamed over it, then the journal goes on in a new file that starts with
 * the entries journaled since. A crash between the two leaves the old
 * journal whole, and the next start skips what the snapshot holds.
 */
export async function compact (app: FastifyInstance, state: DirState): Promise<void> {
  // One at a time: a second taken while the first cuts the journal would cut the new file at the old one's offset.
  while (compacting.has(state)) await compacting.get(state)
  if (!state.replayed) return
  const run = compactNow(app, state)
  compacting.set(state, run)
  try {
    await run
  } finally {
    compacting.delete(state)
  }
}

const compacting = new WeakMap<DirState, Promise<void>>()

async function compactNow (app: FastifyInstance, state: DirState): Promise<void> {
  const mark = state.writer.mark()
  // Nothing journaled since the last: the snapshot there is this state.
  if (mark.entries === 0 && state.position <= (state.header.base ?? 0)) return
  const entries = (state.header.base ?? 0) + mark.entries
  const started = performance.now()
  const bytes = takeSnapshot({ worlds: app.worlds, tokens: app.tokens, webhooks: app.webhooks, draws: state.draws })
  writeSnapshotFile(state.where, { bud_sandbox_snapshot: SNAPSHOT_FORMAT, secret: state.header.secret, entries, taken_at_ms: Date.now() }, bytes)
  const header = { ...state.header, bud_sandbox_state: STATE_FORMAT, base: entries }
  await state.writer.rotate(join(state.where, JOURNAL_FILE), JSON.stringify(header), mark)
  state.header.base = entries
  state.snapshotBytes = bytes.length
  app.log.info({ stateDir: state.where, entries, bytes: bytes.length, ms: Math.round(performance.now() - started) }, `snapshot of ${entries} journal entries taken`)
}

/** After a start's replay: a snapshot when the journal held many entries after the last (or one a crash left uncut). */
export async function compactAtStart (app: FastifyInstance, state: DirState, snapshotEvery: number): Promise<void> {
  const { entries } = state.writer.mark()
  if (snapshotCalledFor(state, snapshotEvery) || (entries > 0 && state.position > (state.header.base ?? 0))) await compact(app, state)
}

/** Whether the journal after the last snapshot calls for the next (snapshotDue). */
function snapshotCalledFor (state: DirState, snapshotEvery: number): boolean {
  const { entries, bytes } = state.writer.mark()
  return snapshotDue(entries, bytes, snapshotEvery, state.snapshotBytes)
}
