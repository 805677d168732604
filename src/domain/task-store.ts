// The in-memory task store and its dedupe index. Tasks are plain records; their
// status is derived from the clock when read, so the store holds no timers.
import Denque from 'denque'
import type { Scenario } from './scenarios.js'
import { flat } from './ids.js'

export type TaskKind = 'refresh' | 'connect'

export interface Task {
  taskId: string
  kind: TaskKind
  clientId: string
  customerId: string
  provider: string
  consentId: string | undefined
  startedAtMs: number
  stepMs: number
  /** The refresh window, kept inline: one object less per task. */
  windowFromMs: number
  windowToMs: number
  scenario: Scenario
}

export interface TaskStoreLimits {
  /** How long a task is kept after it started, on the sandbox clock. */
  retentionMs: number
  /** The most tasks kept; the oldest go first. */
  maxTasks: number
}

export function dedupeKey (clientId: string, customerId: string, provider: string): string {
  return `${clientId}\u0000${customerId}\u0000${provider}`
}

export class TaskStore {
  readonly #limits: TaskStoreLimits
  #tasks = new Map<string, Task>()
  #latest = new Map<string, Task>()
  // Insertion order is (nearly) start order, so eviction only looks at the front.
  // A queue, not the Map's own order: a Map emptied from the front keeps the
  // deleted slots until it rehashes, and every look at its first entry skips them.
  #order = new Denque<Task>()

  constructor (limits: TaskStoreLimits) {
    this.#limits = limits
  }

  get size (): number {
    return this.#tasks.size
  }

  /** Stores a task as the newest for its dedupe `key` (from dedupeKey). */
  add (task: Task, key: string, nowMs: number): void {
    this.#tasks.set(task.taskId, task)
    // Kept as a Map key for as long as the task: flatten it (see ids.ts); lookups need not.
    this.#latest.set(flat(key), task)
    this.#order.push(task)
    this.evict(nowMs)
  }

  get (taskId: string): Task | undefined {
    return this.#tasks.get(taskId)
  }

  /** The newest task for a client, customer and provider, if any is kept. */
  latest (key: string): Task | undefined {
    return this.#latest.get(key)
  }

  /** Drops the tasks past retention and over the count, oldest first. */
  evict (nowMs: number): void {
    const oldestKept = nowMs - this.#limits.retentionMs
    for (let task = this.#order.peekFront(); task !== undefined; task = this.#order.peekFront()) {
      if (task.startedAtMs >= oldestKept && this.#tasks.size <= this.#limits.maxTasks) break
      this.#order.shift()
      this.#tasks.delete(task.taskId)
      const key = dedupeKey(task.clientId, task.customerId, task.provider)
      if (this.#latest.get(key) === task) this.#latest.delete(key)
    }
  }

  clear (): void {
    this.#tasks = new Map()
    this.#latest = new Map()
    this.#order = new Denque()
  }
}
