// The sandbox's state in one place: clock, fixtures, customers, tasks and the
// refresh service over them. Built once per app; reset() goes back to the fixtures.
import type { Fixtures } from '../fixtures.js'
import type { SandboxClock } from './clock.js'
import { CustomerDirectory } from './customers.js'
import { RefreshService } from './refresh.js'
import { TaskStore, type TaskStoreLimits } from './task-store.js'

export interface SandboxOptions extends TaskStoreLimits {
  fixtures: Fixtures
  clock: SandboxClock
  /** Overrides the fixtures' step duration. */
  stepDurationMs?: number | undefined
}

export interface Sandbox {
  clock: SandboxClock
  fixtures: Fixtures
  customers: CustomerDirectory
  tasks: TaskStore
  refresh: RefreshService
  reset (): void
}

export function createSandbox (options: SandboxOptions): Sandbox {
  const { fixtures, clock } = options
  const customers = new CustomerDirectory(fixtures, clock.nowMs())
  const tasks = new TaskStore({ retentionMs: options.retentionMs, maxTasks: options.maxTasks })
  const refresh = new RefreshService({
    clock,
    fixtures,
    customers,
    tasks,
    settings: { stepDurationMs: options.stepDurationMs ?? fixtures.stepDurationMs }
  })
  return {
    clock,
    fixtures,
    customers,
    tasks,
    refresh,
    reset () {
      tasks.clear()
      customers.reset(clock.nowMs())
    }
  }
}
