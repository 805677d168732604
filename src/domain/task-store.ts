// The in-memory task stores: refresh tasks, and V2's parent tasks over them.
// Tasks are plain records; their status is derived from the clock when read,
// so a store holds no timers. The dedupe looks up a customer's newest tasks on
// the customer (see customers.ts).
import { BudError, ERRORS } from './errors.js'
import { IdSource, tagOf } from './ids.js'
import type { Stored, Task } from './records.js'

export interface TaskStoreLimits {
  /** How long a task is kept after it started, on the sandbox clock. */
  retentionMs: number
  /** The most tasks kept; the oldest go first. */
  maxTasks: number
}

/**
 * The stored task with this id when it is this client's task for this
 * customer; any other (or none) is Bud's 404 task_not_found: a client never
 * learns that someone else's task exists.
 */
export function ownTask<T extends Stored & { clientId: string, customerId: string }> (store: TaskStore<T>, taskId: string, clientId: string, customerId: string | undefined): T {
  const task = store.get(taskId.toLowerCase())
  if (task === undefined || task.clientId !== clientId || task.customerId !== customerId) throw new BudError(ERRORS.taskNotFound)
  return task
}

export interface TaskStoreSnapshot<T> {
  ids: readonly number[]
  mask: number
  slots: (T | undefined)[]
  first: number
  next: number
}

/** The most tasks a store can be told to keep: a slot number fits an id's first 32 bits. */
export const MAX_TASKS_LIMIT = 2 ** 32 - 1

// A slot number is scrambled into an id's first 32 bits, so that ids made one
// after another do not look alike. Multiplying by an odd number is undone by
// multiplying by its inverse modulo 2^32 (found by Newton's iteration).
const SCRAMBLE = 0x9e3779b1
const UNSCRAMBLE = [1, 2, 3, 4, 5].reduce((x) => Math.imul(x, 2 - Math.imul(SCRAMBLE, x)), SCRAMBLE)

/**
 * Tasks in a ring of slots, used in turn: a task's id carries its slot, so it
 * is found without a map, and the oldest task is always at the front. Adding
 * is a store into an array; nothing per task but the task itself is kept.
 */
export class TaskStore<T extends Stored = Task> {
  readonly #limits: TaskStoreLimits
  readonly #onEvict: (task: T) => void
  readonly #ids: IdSource
  #mask: number
  #slots: (T | undefined)[] = []
  // Sequence numbers: the oldest task kept, and the next task to come.
  // A task's slot is its sequence number modulo maxTasks.
  #first = 0
  #next = 0

  /** `name` seeds the store's ids: each store (and each client's) draws its own sequence. */
  constructor (name: string, limits: TaskStoreLimits, onEvict: (task: T) => void = () => {}) {
    this.#limits = limits
    this.#onEvict = onEvict
    this.#ids = new IdSource(`tasks/${name}`)
    this.#mask = this.#ids.nextInt()
  }

  get size (): number {
    return this.#next - this.#first
  }

  /** Keeps a new task: `make` builds it around the id the store gives it. */
  add (make: (taskId: string) => T, nowMs: number): T {
    if (this.size === this.#limits.maxTasks) this.#dropFirst()
    const slot = this.#next % this.#limits.maxTasks
    const task = make(this.#ids.next((Math.imul(slot, SCRAMBLE) ^ this.#mask) >>> 0))
    this.#slots[slot] = task
    this.#next++
    this.evict(nowMs)
    return task
  }

  get (taskId: string): T | undefined {
    const tag = tagOf(taskId)
    if (tag === undefined) return undefined
    const task = this.#slots[Math.imul(tag ^ this.#mask, UNSCRAMBLE) >>> 0]
    return task?.taskId === taskId ? task : undefined
  }

  /** Drops the tasks past retention and over the count, oldest first. */
  evict (nowMs: number): void {
    const oldestKept = nowMs - this.#limits.retentionMs
    while (this.size > 0) {
      const oldest = this.#slots[this.#first % this.#limits.maxTasks]!
      if (oldest.startedAtMs >= oldestKept && this.size <= this.#limits.maxTasks) break
      this.#dropFirst()
    }
  }

  /** The store as a snapshot keeps it: its tasks by slot, and where its ids are. */
  snapshot (): TaskStoreSnapshot<T> {
    return { ids: this.#ids.position, mask: this.#mask, slots: this.#slots, first: this.#first, next: this.#next }
  }

  restore (kept: TaskStoreSnapshot<T>): void {
    this.#ids.resume(kept.ids)
    this.#mask = kept.mask
    this.#slots = kept.slots
    this.#first = kept.first
    this.#next = kept.next
  }

  /** Forgets every task; the ids start again as in a new store. */
  clear (): void {
    this.#ids.restart()
    this.#mask = this.#ids.nextInt()
    this.#slots = []
    this.#first = 0
    this.#next = 0
  }

  #dropFirst (): void {
    const slot = this.#first % this.#limits.maxTasks
    const task = this.#slots[slot]!
    this.#slots[slot] = undefined
    this.#first++
    this.#onEvict(task)
  }
}
