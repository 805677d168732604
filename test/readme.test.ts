// The README's walk-throughs run as written: every shell block from "A
// walk-through with curl" to "Check your integration", in order, in one bash,
// against a fresh sandbox, and every outcome the README shows (a comment right
// under a command) is checked against what the command printed. `…` and
// `<placeholders>` in a shown outcome stand for whatever the sandbox answers.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { startSandbox } from '../src/index.js'

const README = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8')
const SHOWN_BASE = 'http://127.0.0.1:4010'

interface Step {
  /** The command as the README writes it (continuation lines included). */
  command: string
  /** What the README shows it prints, if anything. */
  shown: string | undefined
  block: number
}

/** The walk-throughs' shell blocks, as steps: each command with the outcome shown under it. */
function walkThroughs (): Step[] {
  const from = README.indexOf('## A walk-through with curl')
  const to = README.indexOf('## Check your integration')
  const blocks = [...README.slice(from, to).matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!)
  const steps: Step[] = []
  blocks.forEach((block, index) => {
    let last: Step | undefined
    let continued = false
    for (const line of block.split('\n')) {
      if (continued) {
        last!.command += '\n' + line
        continued = line.endsWith('\\')
      } else if (line.startsWith('#')) {
        // A comment right under a command (or under its shown outcome) is what it prints; any other is prose.
        if (last !== undefined) {
          const text = line.replace(/^#\s*/, '')
          last.shown = last.shown === undefined ? text : last.shown + text
        }
      } else if (line.trim() === '') {
        last = undefined
      } else {
        last = { command: line, shown: undefined, block: index }
        steps.push(last)
        continued = line.endsWith('\\')
      }
    }
  })
  return steps
}

/** Whether `printed` is what `shown` shows: exactly, or its pieces between `…` and `<…>` in order. */
function fits (shown: string, printed: string): boolean {
  const pieces = shown.split(/…|<[^>\s]+>/)
  if (pieces.length === 1) return printed.trim() === shown.trim()
  let at = 0
  for (const piece of pieces) {
    if (piece === '') continue
    const found = printed.indexOf(piece, at)
    if (found < 0) return false
    at = found + piece.length
  }
  return true
}

t.test('every walk-through in the README runs as written and prints what it shows', async (t) => {
  const sandbox = await startSandbox({ port: 0 })
  t.teardown(() => sandbox.close())
  const steps = walkThroughs()
  t.ok(steps.length > 40, `${steps.length} commands found`)
  t.ok(steps.filter((s) => s.shown !== undefined).length > 20, 'with their outcomes')
  t.ok(README.includes(`S=${SHOWN_BASE}\n`), 'the first block names the sandbox the quick start serves')

  const script = steps.map((step, i) => `printf '\\n@@%d\\n' ${i}\n${step.command.replace(`S=${SHOWN_BASE}`, `S=${sandbox.url}`)}`).join('\n') + "\nprintf '\\n@@end\\n'\n"
  // Not spawnSync: the sandbox answers from this very process.
  const bash = spawn('bash', ['-c', script], { cwd: t.testdir({}) })
  let stdout = ''
  let stderr = ''
  bash.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString() })
  bash.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  await once(bash, 'close')
  t.equal(stderr, '', 'nothing on stderr')
  t.match(stdout, /\n@@end\n/, 'the script ran to its end')

  const printed = new Map<number, string>()
  for (const part of stdout.split(/\n@@/).slice(1)) {
    const newline = part.indexOf('\n')
    printed.set(Number(part.slice(0, newline)), part.slice(newline + 1))
  }
  steps.forEach((step, i) => {
    if (step.shown === undefined) return
    const shown = step.shown.replaceAll(SHOWN_BASE, sandbox.url)
    const output = printed.get(i) ?? ''
    t.ok(fits(shown, output), `block ${step.block + 1}: ${step.command.split('\n')[0]}`, { shown, printed: output })
  })
})
