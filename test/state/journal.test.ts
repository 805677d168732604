// The journal file is read a chunk at a time: entries that straddle chunks,
// a line longer than a chunk, characters of several bytes cut by a chunk's
// edge, a torn last line and a damaged one all read as they do when the
// whole file fits in one chunk.
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { JOURNAL_FILE, openJournal, StateError, type JournalEntry, type JournalHeader } from '../../src/state/journal.js'

const header: JournalHeader = { bud_sandbox_state: 1, created_at_ms: Date.parse('2026-12-01T00:00:00Z'), secret: 'ab'.repeat(32), shape: { version: 'test' } }
const entry = (i: number, body = ''): JournalEntry => ({ t: 'req', at: header.created_at_ms + i, id: `r${i}`, m: 'POST', u: '/platform/v3/customers', h: { 'x-client-id': 'café-€-𝄞' }, b: JSON.stringify({ label: `${i} ${body}` }) })
const written = [entry(0), entry(1, 'é'.repeat(40)), entry(2, '€'.repeat(300)), entry(3), entry(4, '𝄞'.repeat(7))]

function journal (t: Test, lines: string[]): string {
  const dir = t.testdir({})
  writeFileSync(join(dir, JOURNAL_FILE), lines.map((line) => line + '\n').join(''))
  return dir
}
const fresh = () => { throw new Error('an existing journal is read, not made') }

t.test('the entries read back as written, whatever the chunk size, once to count and again to replay', async (t) => {
  const dir = journal(t, [JSON.stringify(header), ...written.map((e) => JSON.stringify(e))])
  for (const chunk of [7, 64, 1000, 1024 * 1024]) {
    const opened = openJournal(dir, fresh, chunk)
    t.same(opened.header, header, `the header, reading ${chunk} bytes at a time`)
    t.equal(opened.entries.length, written.length)
    t.same([...opened.entries], written, 'every entry, multi-byte characters across chunks included')
    t.same([...opened.entries], written, 'and again, as a second pass reads them')
    t.notOk(opened.repaired)
    await opened.writer.close()
  }
})

t.test('a torn last line is cut, a damaged line is named by its number, and an empty file gets a fresh header', async (t) => {
  const dir = journal(t, [JSON.stringify(header), JSON.stringify(written[0]), JSON.stringify(written[1])])
  const file = join(dir, JOURNAL_FILE)
  const whole = readFileSync(file, 'utf8')
  appendFileSync(file, JSON.stringify(written[2]).slice(0, 50))
  let opened = openJournal(dir, fresh, 16)
  t.ok(opened.repaired, 'the torn line was cut')
  t.same([...opened.entries], written.slice(0, 2))
  await opened.writer.close()
  t.equal(readFileSync(file, 'utf8'), whole, 'and the file ends where its last complete line does')

  writeFileSync(file, whole.replace(`\n${JSON.stringify(written[1])}`, `\n${JSON.stringify(written[1]).slice(1)}`))
  t.throws(() => openJournal(dir, fresh, 16), new StateError(`STATE_DIR ${file}:3: not a journal line (the file is damaged; move it away to start afresh)`))

  writeFileSync(file, '{"bud_sandbox_state":1,"created')
  opened = openJournal(dir, () => header, 16)
  t.ok(opened.repaired, 'a header torn as it was first written')
  t.same(opened.header, header, 'is made afresh')
  t.equal(opened.entries.length, 0)
  await opened.writer.close()
  t.equal(readFileSync(file, 'utf8'), JSON.stringify(header) + '\n')
})

t.test('cut after a mark while lines keep coming, the journal holds exactly the lines after it, and every durable line is settled', async (t) => {
  const dir = t.testdir({})
  const file = join(dir, JOURNAL_FILE)
  const { writer } = openJournal(dir, () => header)
  let n = 0
  const durable: Promise<void>[] = []
  const append = (count: number) => {
    for (let i = 0; i < count; i++) {
      const done = writer.append(JSON.stringify(entry(n++, 'é'.repeat(n % 4))), i % 2 === 0)
      if (done !== undefined) durable.push(done)
    }
  }
  let base = 0
  for (let round = 0; round < 30; round++) {
    // Lines appended and not yet written when the mark is taken, lines appended while the cut waits for a write, and after.
    append(7)
    if (round % 3 === 0) {
      const mark = writer.mark()
      base += mark.entries
      const cut = writer.rotate(file, JSON.stringify({ ...header, base }), mark)
      append(3)
      await cut
    }
    await new Promise((resolve) => setImmediate(resolve))
  }
  await Promise.all(durable)
  await writer.close()
  const lines = readFileSync(file, 'utf8').trimEnd().split('\n').map((line) => JSON.parse(line) as { id?: string, base?: number })
  t.equal(lines[0]!.base, base, 'the header says what came before')
  t.same(lines.slice(1).map((line) => line.id), Array.from({ length: n - base }, (_, i) => `r${base + i}`), 'exactly the lines after the last mark, in order')
})
