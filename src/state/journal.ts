// The state on disk (STATE_DIR): one journal of what changed the sandbox, in
// the order it was applied, as JSON lines. Its first line says which format
// wrote it and what the state was made from (when, the secret tokens are
// drawn from, the settings and fixtures that shape it); every line after is
// one entry. Replaying the entries through the app rebuilds the same state
// (replayJournal in src/http/journaling.ts). A torn last line (power lost
// mid-write) is cut at start; anything else unreadable, or a format this
// version does not know, stops the start with one line that names the file.
// The file is read a chunk at a time, never whole: a journal may outgrow
// what one string (512 MB) or the heap can hold.
import { closeSync, existsSync, fdatasync, fdatasyncSync, fstatSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readSync, renameSync, statSync, writeSync } from 'node:fs'
import { dirname, join } from 'node:path'

/** The journal's format; a state written by a newer one is refused. 2: a journal may start after a snapshot (`base`). */
export const STATE_FORMAT = 2
export const JOURNAL_FILE = 'journal.jsonl'

export interface JournalHeader {
  bud_sandbox_state: number
  /** The instant the state was first made: the fixtures' relative times are taken from it, at every start. */
  created_at_ms: number
  /** Tokens and fault draws are derived from it, so a replay draws what was drawn. */
  secret: string
  /** The settings and fixtures the entries were applied with; another start must give the same. */
  shape: Record<string, string | number | boolean | null>
  /** How many entries came before this file's first (they are in the snapshot); absent: none. */
  base?: number
}

/** A request as the app received it, at the instant it was handled. */
export interface RequestEntry {
  t: 'req'
  at: number
  id: string
  m: string
  u: string
  h: Record<string, string>
  b?: string
}

/** A webhook attempt: what was sent and how it went (deliveries are not sent again on replay). */
export interface AttemptEntry {
  t: 'attempt'
  delivery: string
  status: string
  attempts: unknown[]
  next?: number
  body?: unknown
  signature?: string
}

export type JournalEntry = RequestEntry | AttemptEntry

export class StateError extends Error {}

/** The entries to replay, in order; a journal's are read from its file (or stream) as they are replayed. */
export type Entries = (Iterable<JournalEntry> | AsyncIterable<JournalEntry>) & { readonly length: number }

export interface OpenedJournal {
  header: JournalHeader
  entries: Iterable<JournalEntry> & { readonly length: number }
  /** A torn last line that was cut, if any. */
  repaired: boolean
  writer: JournalWriter
}

/** How much of the file is read at once. */
export const READ_CHUNK_BYTES = 1024 * 1024

/**
 * Opens (or makes) the journal in `dir`. `fresh` is the header a new state
 * gets; an existing one must match its shape. Every line is read and parsed
 * once here, so a damaged one stops the start before anything is applied;
 * the entries are read again, one at a time, as they are replayed.
 */
export function openJournal (dir: string, fresh: () => JournalHeader, chunkBytes = READ_CHUNK_BYTES): OpenedJournal {
  const file = join(dir, JOURNAL_FILE)
  let fd: number
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new StateError(`STATE_DIR ${dir}: not a directory`)
  try {
    mkdirSync(dir, { recursive: true })
    fd = openSync(file, 'a+')
  } catch (err) {
    throw new StateError(`STATE_DIR ${dir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}: cannot make or open ${JOURNAL_FILE} there`)
  }
  try {
    // Up to the last newline: a line after it was cut short (power lost mid-write) and is dropped.
    const size = fstatSync(fd).size
    const end = completeEnd(fd, size, chunkBytes)
    const repaired = end !== size
    if (repaired) ftruncateSync(fd, end)
    if (end === 0) {
      const header = fresh()
      const writer = new JournalWriter(fd, 0, 0)
      writer.appendSync(JSON.stringify(header))
      return { header, entries: [], repaired, writer }
    }
    const parse = (line: string, n: number): unknown => {
      try {
        return JSON.parse(line)
      } catch {
        throw new StateError(`STATE_DIR ${file}:${n}: not a journal line (the file is damaged; move it away to start afresh)`)
      }
    }
    const first = linesOf(fd, 0, end, chunkBytes).next()
    const { text, next: entriesStart } = first.done === true ? { text: '', next: end } : first.value
    const header = parse(text, 1) as Partial<JournalHeader>
    if (typeof header.bud_sandbox_state !== 'number' || typeof header.secret !== 'string' || typeof header.created_at_ms !== 'number') {
      throw new StateError(`STATE_DIR ${file}: not a bud-sandbox state (its first line is not a journal header)`)
    }
    if (header.bud_sandbox_state > STATE_FORMAT) {
      throw new StateError(`STATE_DIR ${file}: written by a newer bud-sandbox (state format ${header.bud_sandbox_state}; this one reads ${STATE_FORMAT})`)
    }
    const entries = (): Generator<JournalEntry> => entriesOf(fd, entriesStart, end, chunkBytes, parse)
    let length = 0
    for (const next = entries(); next.next().done !== true;) length++
    return { header: header as JournalHeader, entries: { length, [Symbol.iterator]: entries }, repaired, writer: new JournalWriter(fd, end, length) }
  } catch (err) {
    closeSync(fd)
    if (err instanceof StateError) throw err
    throw new StateError(`STATE_DIR ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}: cannot read it`)
  }
}

/** Where the file's complete lines end: just after its last newline (0 when it has none). */
function completeEnd (fd: number, size: number, chunkBytes: number): number {
  const chunk = Buffer.allocUnsafe(Math.min(chunkBytes, Math.max(size, 1)))
  for (let end = size; end > 0;) {
    const start = Math.max(0, end - chunk.length)
    const read = readSync(fd, chunk, 0, end - start, start)
    const newline = chunk.subarray(0, read).lastIndexOf(10)
    if (newline !== -1) return start + newline + 1
    end = start
  }
  return 0
}

/** The lines between byte `start` and `end` (which ends a line), each with the byte after it, read a chunk at a time. */
function * linesOf (fd: number, start: number, end: number, chunkBytes: number): Generator<{ text: string, next: number }> {
  const chunk = Buffer.allocUnsafe(chunkBytes)
  // A line begun in the chunk before, copied out of it.
  let begun = Buffer.alloc(0)
  let position = start
  while (position < end) {
    const read = readSync(fd, chunk, 0, Math.min(chunk.length, end - position), position)
    if (read === 0) return
    const data = begun.length === 0 ? chunk.subarray(0, read) : Buffer.concat([begun, chunk.subarray(0, read)])
    const dataStart = position - begun.length
    position += read
    let from = 0
    for (let newline = data.indexOf(10); newline !== -1; newline = data.indexOf(10, from)) {
      yield { text: data.toString('utf8', from, newline), next: dataStart + newline + 1 }
      from = newline + 1
    }
    begun = Buffer.from(data.subarray(from))
  }
}

function * entriesOf (fd: number, start: number, end: number, chunkBytes: number, parse: (line: string, n: number) => unknown): Generator<JournalEntry> {
  let n = 2
  for (const { text } of linesOf(fd, start, end, chunkBytes)) yield parse(text, n++) as JournalEntry
}

/**
 * Appends lines in order, in batches: every line appended while a batch is
 * being written goes out in the next one, with one write and, when any of
 * them must be durable, one fdatasync. A durable line's promise settles once
 * it is on disk; the answer to its request waits for that.
 */
export class JournalWriter {
  #fd: number
  // The file's size and entries once everything appended is written.
  #bytes: number
  #entries: number
  #paused = false
  #batch: string[] = []
  #durable = false
  #waiters: Array<{ resolve: () => void, reject: (err: Error) => void }> = []
  #busy = false
  #scheduled = false
  #closed = false
  #idle: Array<() => void> = []

  constructor (fd: number, bytes: number, entries: number) {
    this.#fd = fd
    this.#bytes = bytes
    this.#entries = entries
  }

  /** Where the next entry goes: the file's size and its entries once what was appended is written. */
  mark (): { bytes: number, entries: number } {
    return { bytes: this.#bytes, entries: this.#entries }
  }

  /**
   * Goes on in a new file, `header` first, then what this one holds from
   * byte `from` on: the file is made beside the old one and renamed over it,
   * so a crash leaves one or the other whole. Appends wait meanwhile.
   */
  async rotate (file: string, header: string, from: { bytes: number, entries: number }): Promise<void> {
    this.#paused = true
    // Lines appended but not yet written: they go to the old file first, so
    // that the copy below takes exactly what came after the mark. Their
    // requests are answered once the new file is on disk: each line is then
    // in the snapshot or in the new file.
    let waiters: Array<{ resolve: () => void, reject: (err: Error) => void }> = []
    try {
      if (this.#busy) await new Promise<void>((resolve) => this.#idle.push(resolve))
      const pending = this.#take()
      if (pending !== undefined) {
        writeFully(this.#fd, pending.buffer)
        waiters = pending.waiters
      }
      const temporary = `${file}.tmp`
      const fd = openSync(temporary, 'w+', 0o600)
      try {
        const head = Buffer.from(header + '\n')
        writeFully(fd, head)
        const chunk = Buffer.allocUnsafe(READ_CHUNK_BYTES)
        for (let at = from.bytes; ;) {
          const read = readSync(this.#fd, chunk, 0, chunk.length, at)
          if (read === 0) break
          writeFully(fd, chunk.subarray(0, read))
          at += read
        }
        fdatasyncSync(fd)
        renameSync(temporary, file)
        syncDirectory(dirname(file))
        closeSync(this.#fd)
        this.#fd = fd
        // What was appended from the mark on is this file's now.
        this.#entries -= from.entries
        this.#bytes = head.length + (this.#bytes - from.bytes)
      } catch (err) {
        closeSync(fd)
        throw err
      }
      for (const waiter of waiters) waiter.resolve()
    } catch (err) {
      // Not cut: the old file goes on, with the lines written to it now made durable.
      try {
        fdatasyncSync(this.#fd)
        for (const waiter of waiters) waiter.resolve()
      } catch (failed) {
        for (const waiter of waiters) waiter.reject(failed as Error)
      }
      throw err
    } finally {
      this.#paused = false
      this.#flush()
    }
  }

  /** For the header: written before anything else can be. */
  appendSync (line: string): void {
    const buffer = Buffer.from(line + '\n')
    this.#bytes += buffer.length
    writeFully(this.#fd, buffer)
    fdatasyncSync(this.#fd)
  }

  append (line: string, durable: boolean): Promise<void> | undefined {
    if (this.#closed) return durable ? Promise.reject(new StateError('the journal is closed')) : undefined
    this.#batch.push(line)
    this.#bytes += Buffer.byteLength(line) + 1
    this.#entries++
    let done: Promise<void> | undefined
    if (durable) {
      this.#durable = true
      done = new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }))
    }
    if (!this.#busy && !this.#scheduled) {
      // Written before the request's answer goes out (a microtask, not the next turn):
      // a process killed once a read was answered has its line in the file.
      this.#scheduled = true
      queueMicrotask(() => this.#flush())
    }
    return done
  }

  /** Writes what is pending, then closes the file. */
  async close (): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    if (this.#busy) await new Promise<void>((resolve) => this.#idle.push(resolve))
    // Lines appended whose write is still queued.
    const pending = this.#take()
    const waiters = pending?.waiters ?? []
    try {
      if (pending !== undefined) writeFully(this.#fd, pending.buffer)
      fdatasyncSync(this.#fd)
    } catch (err) {
      for (const waiter of waiters) waiter.reject(err as Error)
      throw err
    } finally {
      closeSync(this.#fd)
    }
    for (const waiter of waiters) waiter.resolve()
  }

  /** The lines appended and not yet written, as one buffer, with whether any must be durable and who waits for them; the batch starts afresh. */
  #take (): { buffer: Buffer, durable: boolean, waiters: Array<{ resolve: () => void, reject: (err: Error) => void }> } | undefined {
    if (this.#batch.length === 0) return undefined
    const taken = { buffer: Buffer.from(this.#batch.join('\n') + '\n'), durable: this.#durable, waiters: this.#waiters }
    this.#batch = []
    this.#durable = false
    this.#waiters = []
    return taken
  }

  #flush (): void {
    this.#scheduled = false
    const pending = this.#paused ? undefined : this.#take()
    if (pending === undefined) {
      for (const resolve of this.#idle.splice(0)) resolve()
      return
    }
    const { buffer, durable, waiters } = pending
    const settle = (err: Error | null) => {
      for (const waiter of waiters) {
        if (err === null) waiter.resolve()
        else waiter.reject(err)
      }
      this.#busy = false
      this.#flush()
    }
    // Written at once (into the page cache, microseconds); only the wait for
    // the disk goes to the thread pool, and lines appended meanwhile make the next batch.
    try {
      writeFully(this.#fd, buffer)
    } catch (err) {
      return settle(err as Error)
    }
    if (!durable) return settle(null)
    this.#busy = true
    fdatasync(this.#fd, settle)
  }
}

/** Writes all of `buffer` at the file's position. */
export function writeFully (fd: number, buffer: Buffer): void {
  for (let written = 0; written < buffer.length;) written += writeSync(fd, buffer, written)
}

/** Makes a rename in `dir` durable. */
export function syncDirectory (dir: string): void {
  const fd = openSync(dir, 'r')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}
