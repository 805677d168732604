// Remove Customer V3 and its status: a deletion is a task like a refresh,
// kept in a task store and derived from the clock when read. The customer
// and its data go at once; the task completes after one step.
import type { Clock } from './clock.js'
import type { CustomerDirectory, CustomerRef } from './customers.js'
import { BudError, ERRORS } from './errors.js'
import { TASK_STATUS, type TaskStatus } from './scenarios.js'
import { ownTask, type TaskStore } from './task-store.js'

export interface DeletionTask {
  taskId: string
  clientId: string
  customerId: string
  startedAtMs: number
  endsAtMs: number
}

export class CustomerDeletions {
  readonly #clock: Clock
  readonly #customers: CustomerDirectory
  readonly #tasks: TaskStore<DeletionTask>
  readonly #stepMs: number

  constructor (deps: { clock: Clock, customers: CustomerDirectory, tasks: TaskStore<DeletionTask>, stepMs: number }) {
    this.#clock = deps.clock
    this.#customers = deps.customers
    this.#tasks = deps.tasks
    this.#stepMs = deps.stepMs
  }

  /** Deletes the customer now and returns the task that reports it; an unknown customer is a 404. */
  start (clientId: string, ref: CustomerRef): DeletionTask {
    const customer = this.#customers.lookup(ref)
    if (customer === undefined) throw new BudError(ERRORS.deleteCustomerNotFound)
    this.#customers.remove(customer)
    const nowMs = this.#clock.nowMs()
    return this.#tasks.add((taskId) => ({ taskId, clientId, customerId: customer.customerId, startedAtMs: nowMs, endsAtMs: nowMs + this.#stepMs }), nowMs)
  }

  /** The client's deletion of this customer; anyone else's, or another customer's, is not found. */
  find (clientId: string, customerId: string, taskId: string): DeletionTask {
    return ownTask(this.#tasks, taskId, clientId, customerId.toLowerCase())
  }

  statusOf (task: DeletionTask): TaskStatus {
    return this.#clock.nowMs() >= task.endsAtMs ? TASK_STATUS.completed : TASK_STATUS.pending
  }
}
