// The in-memory task store. Tasks are plain records; their status is derived
// from the clock when read, so the store holds no timers. The dedupe looks up
// a customer's newest tasks on the customer (see customers.ts).
import Denque from 'denque'
import type { Scenario } from './scenarios.js'

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

export class TaskStore {
  readonly #limits: TaskStoreLimits
  readonly #onEvict: (task: Task) => void
  #tasks = new Map<string, Task>()
  // Insertion order is (nearly) start order, so eviction only looks at the front.
  // A queue, not the Map's own order: a Map emptied from the front keeps the
  // deleted slots until it rehashes, and every look at its first entry skips them.
  #order = new Denque<Task>()

  constructor (limits: TaskStoreLimits, onEvict: (task: Task) => void = () => {}) {
    this.#limits = limits
    this.#onEvict = onEvict
  }

  get size (): number {
    return this.#tasks.size
  }

  add (task: Task, nowMs: number): void {
    this.#tasks.set(task.taskId, task)
    this.#order.push(task)
    this.evict(nowMs)
  }

  get (taskId: string): Task | undefined {
    return this.#tasks.get(taskId)
  }

  /** Drops the tasks past retention and over the count, oldest first. */
  evict (nowMs: number): void {
    const oldestKept = nowMs - this.#limits.retentionMs
    for (let task = this.#order.peekFront(); task !== undefined; task = this.#order.peekFront()) {
      if (task.startedAtMs >= oldestKept && this.#tasks.size <= this.#limits.maxTasks) break
      this.#order.shift()
      this.#tasks.delete(task.taskId)
      this.#onEvict(task)
    }
  }

  clear (): void {
    this.#tasks = new Map()
    this.#order = new Denque()
  }
}
