// REDIS_URL: the journal as a Redis stream, shared by every process given
// the same URL. Each command is appended to the stream before it runs, and
// every process applies the stream in its order (src/http/replication.ts),
// so all of them hold the same state. Beside the stream: the state's header
// (its secret and what it was made with), the webhook signing key, and the
// lease of the one process that sends webhooks.
import { randomBytes } from 'node:crypto'
import { Redis, type Result } from 'ioredis'
import type { JWK } from 'jose'
import { StateError, type Entries, type JournalEntry, type JournalHeader } from './journal.js'
import { parseSnapshot } from './snapshot.js'
import { checkShape, common, freshHeader, type KeyStore, type RedisState, type StateShape } from './state.js'

const PREFIX = 'bud-sandbox:'
const STREAM = `${PREFIX}journal`
const HEADER = `${PREFIX}header`
const SIGNING_KEY = `${PREFIX}webhook-signing-key`
const LEADER = `${PREFIX}webhook-sender`
const SNAPSHOT = `${PREFIX}snapshot`
/** Each process's place in the stream, so the stream is trimmed behind the slowest. */
const APPLIED = `${PREFIX}applied`
/** A process that has not said where it is for this long is taken for gone. */
const APPLIED_STALE_MS = 30_000
const TRIMMED = `${PREFIX}trimmed`
/** How long a request waits for Redis before it is answered 503. */
export const REDIS_TIMEOUT_MS = 2000
const READ_BLOCK_MS = 1000
const PAGE = 1000

// An entry and the id of the last one before it, in one step: no other append comes between.
const APPEND = "local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1) local prev = '0-0' if last[1] then prev = last[1][1] end return redis.call('XADD', KEYS[1], '*', 'e', ARGV[1], 'prev', prev)"

declare module 'ioredis' {
  interface RedisCommander<Context> {
    appendAfterLast(stream: string, entry: string): Result<string, Context>
  }
}

/** An entry as the stream holds it, with the process that appended it. */
export type StreamEntry = JournalEntry & { p?: string }

export class RedisLog {
  /** This process, as its entries name it. */
  readonly instance = randomBytes(8).toString('hex')
  readonly where: string
  readonly #commands: Redis
  readonly #reader: Redis
  #lastError: NodeJS.ErrnoException | undefined
  #place = '0-0'
  #placeTimer: NodeJS.Timeout | undefined

  constructor (url: string) {
    const options = {
      lazyConnect: true,
      connectTimeout: REDIS_TIMEOUT_MS,
      commandTimeout: REDIS_TIMEOUT_MS + READ_BLOCK_MS,
      // While Redis is away, a command fails at once (the request answers 503) instead of queueing.
      enableOfflineQueue: false,
      // Commands sent in the same tick go to Redis in one write: under load, many requests' appends at once.
      enableAutoPipelining: true,
      maxRetriesPerRequest: 0,
      retryStrategy: (attempt: number) => Math.min(attempt * 200, 2000)
    }
    this.#commands = new Redis(url, options)
    // Sent by its digest (EVALSHA) once Redis knows it.
    this.#commands.defineCommand('appendAfterLast', { numberOfKeys: 1, lua: APPEND })
    this.#reader = new Redis(url, options)
    // Errors are answered where commands fail; the connection's own events would only repeat them.
    this.#commands.on('error', (err: NodeJS.ErrnoException) => { this.#lastError = err })
    this.#reader.on('error', () => {})
    const parsed = new URL(url)
    parsed.password = ''
    parsed.username = ''
    this.where = parsed.toString()
  }

  async connect (): Promise<void> {
    try {
      await Promise.all([this.#commands.connect(), this.#reader.connect()])
    } catch (err) {
      this.close()
      const why = this.#lastError ?? (err as NodeJS.ErrnoException)
      throw new StateError(`REDIS_URL ${this.where}: cannot connect (${why.code ?? why.message})`)
    }
  }

  /** The state's header: the one kept, or `fresh`, kept if no process was first. */
  async header (fresh: JournalHeader): Promise<JournalHeader> {
    await this.#commands.set(HEADER, JSON.stringify(fresh), 'NX')
    const kept = await this.#commands.get(HEADER)
    try {
      const header = JSON.parse(kept ?? '') as JournalHeader
      if (typeof header.secret === 'string' && typeof header.created_at_ms === 'number') return header
    } catch {}
    throw new StateError(`REDIS_URL ${this.where}: ${HEADER} is not a bud-sandbox state header`)
  }

  /**
   * The stream as it is now: the id of its last entry, and the entries up
   * to it, read a page at a time, never all at once. Each is read and
   * checked once here, so a damaged one stops the start before anything is
   * applied, and again as it is replayed.
   */
  async upToNow (after: string | undefined): Promise<{ entries: Entries, lastId: string }> {
    const last = await this.#commands.xrevrange(STREAM, '+', '-', 'COUNT', 1)
    const lastId = last[0]?.[0] ?? after ?? '0-0'
    const entries = (): AsyncGenerator<StreamEntry> => this.#pages(after, lastId)
    let length = 0
    for (const reading = entries(); (await reading.next()).done !== true;) length++
    return { entries: { length, [Symbol.asyncIterator]: entries }, lastId }
  }

  async * #pages (after: string | undefined, lastId: string): AsyncGenerator<StreamEntry> {
    if (lastId === '0-0' || lastId === after) return
    for (let from = after === undefined ? '-' : `(${after}`; ;) {
      let page: Array<[string, string[]]>
      try {
        page = await this.#commands.xrange(STREAM, from, lastId, 'COUNT', PAGE)
      } catch (err) {
        const why = this.#lastError ?? (err as NodeJS.ErrnoException)
        // A command refused because the connection dropped says so at length, in ioredis's words; the connection's own error, when there was one, says why.
        const reason = why.code ?? (this.#commands.status === 'ready' ? why.message : 'the connection was lost')
        throw new StateError(`REDIS_URL ${this.where}: cannot read the stream (${reason})`)
      }
      for (const [id, fields] of page) yield parseEntry(this.where, id, fields)
      if (page.length < PAGE) return
      from = `(${page[page.length - 1]![0]}`
    }
  }

  /**
   * Appends an entry, with the id of the entry before it (`prev`): a
   * process applying the stream then knows it missed none (read). Its id
   * once Redis has it.
   */
  async append (entry: StreamEntry): Promise<string> {
    return await this.#commands.appendAfterLast(STREAM, JSON.stringify(entry))
  }

  /**
   * The entries after `afterId`, each with its length and the id of the
   * entry before it (undefined in a stream written before it was kept),
   * waiting up to a second for one.
   */
  async read (afterId: string): Promise<Array<[string, StreamEntry, number, string | undefined]>> {
    const answer = await this.#reader.xread('COUNT', PAGE, 'BLOCK', READ_BLOCK_MS, 'STREAMS', STREAM, afterId)
    if (answer === null) return []
    return answer[0]![1].map(([id, fields]) => [id, parseEntry(this.where, id, fields), fields[1]?.length ?? 0, fields[2] === 'prev' ? fields[3] : undefined])
  }

  /** The id of the stream's last entry ('0-0' when empty). */
  async lastId (): Promise<string> {
    const last = await this.#commands.xrevrange(STREAM, '+', '-', 'COUNT', 1)
    return last[0]?.[0] ?? '0-0'
  }

  /** Holds (or takes, when free) the lease of the process that sends webhooks; true while this one holds it. */
  async lead (ttlMs: number): Promise<boolean> {
    const held = await this.#commands.eval(
      "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) elseif redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 else return 0 end",
      1, LEADER, this.instance, String(ttlMs))
    return held === 1
  }

  /** The snapshot kept in Redis, if any: its header line, then its data. */
  async snapshot (): Promise<Buffer | null> {
    return await this.#commands.getBuffer(SNAPSHOT)
  }

  /**
   * Keeps a snapshot of the state as of stream entry `heldId`, then trims
   * the stream up to it, or up to the slowest process still following it
   * when that one is behind: nobody misses an entry.
   */
  async keepSnapshot (bytes: Buffer, heldId: string): Promise<void> {
    await this.#commands.set(SNAPSHOT, bytes)
    let trimTo = heldId
    const places = await this.#commands.hgetall(APPLIED)
    const nowMs = Date.now()
    for (const [instance, place] of Object.entries(places)) {
      // This process's own place is `heldId` now (what it said last may be older).
      if (instance === this.instance) continue
      const [id, atMs] = place.split(' ') as [string, string]
      if (nowMs - Number(atMs) > APPLIED_STALE_MS) await this.#commands.hdel(APPLIED, instance)
      else if (streamIdAfter(trimTo, id)) trimTo = id
    }
    // Said before it is done: a crash between the two claims more than was trimmed, never less.
    await this.#commands.set(TRIMMED, trimTo)
    // MINID drops the entries before it: the snapshot holds them.
    await this.#commands.xtrim(STREAM, 'MINID', trimTo)
  }

  /**
   * Where this process is in the stream: said to Redis now and every two
   * seconds, so the stream is never trimmed past a live process's place
   * (one that is still reading it at start included).
   */
  hold (appliedId: string): void {
    this.#place = appliedId
    if (this.#placeTimer !== undefined) return
    const say = () => { this.#commands.hset(APPLIED, this.instance, `${this.#place} ${Date.now()}`).catch(() => {}) }
    say()
    this.#placeTimer = setInterval(say, 2000)
    this.#placeTimer.unref()
  }

  /** Where the stream was last trimmed to: every entry before it is gone ('0-0' when it never was). */
  async trimmedUpTo (): Promise<string> {
    return await this.#commands.get(TRIMMED) ?? '0-0'
  }

  readonly keyStore: KeyStore = {
    keep: async (make) => {
      const kept = await this.#commands.get(SIGNING_KEY)
      if (kept !== null) return JSON.parse(kept) as JWK
      await this.#commands.set(SIGNING_KEY, JSON.stringify(await make()), 'NX')
      return JSON.parse((await this.#commands.get(SIGNING_KEY))!) as JWK
    }
  }

  close (): void {
    clearInterval(this.#placeTimer)
    this.#commands.disconnect()
    this.#reader.disconnect()
  }
}

/** Whether stream id `a` comes after `b`, as Redis orders them. */
export function streamIdAfter (a: string, b: string): boolean {
  const [am, as] = a.split('-').map(Number) as [number, number]
  const [bm, bs] = b.split('-').map(Number) as [number, number]
  return am > bm || (am === bm && as > bs)
}

function parseEntry (where: string, id: string, fields: string[]): StreamEntry {
  try {
    return JSON.parse(fields[1]!) as StreamEntry
  } catch {
    throw new StateError(`REDIS_URL ${where}: stream entry ${id} is not a journal entry`)
  }
}

/** Opens the state at `url`, or makes it. */
export async function openRedisState (url: string, shape: StateShape): Promise<RedisState> {
  const log = new RedisLog(url)
  await log.connect()
  try {
    const header = await log.header(freshHeader(shape))
    checkShape(log.where, header, shape, 'REDIS_URL')
    const kept = await log.snapshot()
    const snapshot = kept === null ? undefined : parseSnapshot(kept, `REDIS_URL ${log.where}: ${SNAPSHOT}`)
    if (snapshot !== undefined && (snapshot.header.secret !== header.secret || snapshot.header.stream_id === undefined)) {
      throw new StateError(`REDIS_URL ${log.where}: ${SNAPSHOT} does not go with ${HEADER}; start on an empty database`)
    }
    const heldId = snapshot?.header.stream_id
    // Trimmed past what the snapshot holds (or trimmed with no snapshot): entries are missing.
    const trimmed = await log.trimmedUpTo()
    if (trimmed !== '0-0' && (heldId === undefined || streamIdAfter(trimmed, heldId))) {
      throw new StateError(`REDIS_URL ${log.where}: the stream was trimmed past its snapshot (${SNAPSHOT}); start on an empty database`)
    }
    log.hold(heldId ?? '0-0')
    const { entries, lastId } = await log.upToNow(heldId)
    return { ...common(log.where, header, entries, log.keyStore), ...(snapshot === undefined ? {} : { snapshot, position: snapshot.header.entries, snapshotBytes: snapshot.bytes.length }), kind: 'redis', log, lastId }
  } catch (err) {
    log.close()
    if (err instanceof StateError) throw err
    throw new StateError(`REDIS_URL ${log.where}: ${(err as Error).message}`)
  }
}
