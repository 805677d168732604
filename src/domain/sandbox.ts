// The sandbox's state in one place: clock, world, customers, tasks, tokens,
// request history and faults, with the refresh service over them. Built once
// per app; reset() goes back to the world as loaded. What happens outside
// (webhook delivery) listens through `SandboxEvents`: the domain imports
// nothing above it.
import { DateTime } from 'luxon'
import { TokenIssuer } from './auth.js'
import type { SandboxClock } from './clock.js'
import { CustomerDeletions, type DeletionTask } from './customer-deletions.js'
import { Authorisations, type Authorisation } from './connect/authorisations.js'
import { Gateway, type GatewaySession } from './connect/gateway.js'
import { Consents, type RevokeTask } from './consents/consents.js'
import { CustomerDirectory } from './customers.js'
import { FinancialData } from './data/financial-data.js'
import { Faults } from './faults.js'
import { IntegrationWatch } from './findings/watch.js'
import { RefreshService, type TaskEndings } from './refresh.js'
import { RequestHistory } from './request-history.js'
import { TaskStore, type ParentTask, type TaskStoreLimits } from './task-store.js'
import type { World } from './world.js'

/** What the app listens for: tasks' ends, clock moves and resets. */
export interface SandboxEvents extends TaskEndings {
  clockMoved (): void
  reset (): void
}

export interface SandboxOptions extends TaskStoreLimits {
  fixtures: World
  clock: SandboxClock
  /** Overrides the world's step duration. */
  stepDurationMs?: number | undefined
  requestHistorySize: number
  random?: () => number
  events?: SandboxEvents | undefined
}

export interface Sandbox {
  clock: SandboxClock
  fixtures: World
  customers: CustomerDirectory
  tasks: TaskStore
  parents: TaskStore<ParentTask>
  refresh: RefreshService
  data: FinancialData
  deletions: CustomerDeletions
  consents: Consents
  authorisations: Authorisations
  gateway: Gateway
  tokens: TokenIssuer
  history: RequestHistory
  faults: Faults
  /** The integration checks' record of each client's behaviour and findings. */
  watch: IntegrationWatch
  /** Moves the clock and lets listeners act on what that makes due. */
  moveClockTo (ms: number): void
  reset (): void
}

export function createSandbox (options: SandboxOptions): Sandbox {
  const { fixtures, clock, events } = options
  const limits = { retentionMs: options.retentionMs, maxTasks: options.maxTasks }
  const customers = new CustomerDirectory(fixtures, clock.nowMs())
  const tasks = new TaskStore('refresh', limits, (task) => customers.forgetTask(task))
  const parents = new TaskStore<ParentTask>('refresh-v2', limits, (parent) => customers.forgetParent(parent))
  const secrets = new Map(fixtures.clients.flatMap((c) => c.clientSecret === undefined ? [] : [[c.clientId, c.clientSecret] as const]))
  const tokens = new TokenIssuer({ acceptAnyClient: fixtures.acceptAnyClient, secrets })
  const history = new RequestHistory(options.requestHistorySize)
  const faults = new Faults(fixtures.faults, options.random ?? Math.random)
  const data = new FinancialData({ clock, customers })
  const deletionTasks = new TaskStore<DeletionTask>('deletions', limits)
  const stepMs = options.stepDurationMs ?? fixtures.stepDurationMs
  const deletions = new CustomerDeletions({ clock, customers, tasks: deletionTasks, stepMs })
  const refresh = new RefreshService({
    data,
    clock,
    fixtures,
    customers,
    tasks,
    parents,
    settings: { stepDurationMs: stepMs },
    endings: events
  })
  const changed = events === undefined ? () => {} : events.consentChanged.bind(events)
  const revokeTasks = new TaskStore<RevokeTask>('revocations', limits)
  const consents = new Consents({ clock, customers, data, revokes: revokeTasks, settings: { reconfirmDueMs: fixtures.reconfirmDueDays * 24 * 60 * 60 * 1000, stepMs }, changed })
  const authorisationTasks = new TaskStore<Authorisation>('authorisations', limits)
  const authorisations = new Authorisations({ clock, fixtures, customers, refresh, data, store: authorisationTasks, stepMs, changed })
  const sessions = new TaskStore<GatewaySession>('gateway', limits)
  const watch = new IntegrationWatch({ clock, customers, settings: fixtures.checks })
  const gateway = new Gateway({ clock, fixtures, customers, authorisations, consents, data, sessions })
  return {
    clock,
    fixtures,
    customers,
    tasks,
    parents,
    refresh,
    data,
    deletions,
    consents,
    authorisations,
    gateway,
    tokens,
    history,
    faults,
    watch,
    moveClockTo (ms) {
      clock.set(DateTime.fromMillis(ms, { zone: 'utc' }))
      events?.clockMoved()
    },
    reset () {
      clock.restartSpan()
      tasks.clear()
      parents.clear()
      deletionTasks.clear()
      revokeTasks.clear()
      authorisationTasks.clear()
      authorisations.reset()
      sessions.clear()
      customers.reset(clock.nowMs())
      history.clear()
      faults.reset()
      watch.clear()
      events?.reset()
    }
  }
}
