// One client's sandbox: its clock, customers, tasks, consents, connect
// journeys, faults and findings, with the refresh service over them. Each
// client id gets one (see worlds.ts), as each client on Bud has its own
// customers; reset() goes back to the world as loaded. What happens outside
// (webhook delivery) listens through `SandboxEvents`: the domain imports
// nothing above it.
import { DateTime } from 'luxon'
import type { ClockSnapshot, SandboxClock } from './clock.js'
import { CustomerDeletions, type DeletionTask } from './customer-deletions.js'
import { Authorisations, type Authorisation } from './connect/authorisations.js'
import { Gateway, type GatewaySession } from './connect/gateway.js'
import { Consents, type RevokeTask } from './consents/consents.js'
import { CustomerDirectory, type CustomerOwners, type DirectorySnapshot } from './customers.js'
import { FinancialData } from './data/financial-data.js'
import { Faults, type FaultSettings, type SharedFaults } from './faults.js'
import { IntegrationWatch, type ClientWatch } from './findings/watch.js'
import { RefreshService, type TaskEndings } from './refresh.js'
import { TaskStore, type TaskStoreLimits, type TaskStoreSnapshot } from './task-store.js'
import type { World } from './world.js'
import type { ParentTask, Task } from './records.js'

/** What the app listens for: tasks' ends, clock moves and resets. */
export interface SandboxEvents extends TaskEndings {
  /** The world's own clock moved by `byMs` (not the shared clock under every world). */
  clockMoved (byMs: number): void
  reset (): void
}

export interface SandboxOptions extends TaskStoreLimits {
  fixtures: World
  /** The client whose world this is; undefined for the world every new client starts from. */
  owner?: string | undefined
  clock: SandboxClock
  /** Overrides the world's step duration. */
  stepDurationMs?: number | undefined
  /** The faults of clients that have none of their own. */
  faults?: SharedFaults
  /** Which client each customer belongs to, shared by every client's world. */
  owners?: CustomerOwners
  /** The instant the fixtures' relative times are taken from (a consent given 10 days before it); the clock's now when absent. */
  loadedAtMs?: number
  random?: () => number
  events?: SandboxEvents | undefined
}

export interface Sandbox {
  /** The client whose world this is; undefined for the world every new client starts from. */
  owner: string | undefined
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
  faults: Faults
  /** The integration checks' record of each client's behaviour and findings. */
  watch: IntegrationWatch
  /** Moves the clock and lets listeners act on what that makes due. */
  moveClockTo (ms: number): void
  reset (): void
  /** The world as plain data, references and all (state/snapshot.ts keeps it). */
  snapshot (): SandboxSnapshot
  /** Back to a snapshot's world: made by the same fixtures and settings, it carries on as the one snapshotted would. */
  restore (kept: SandboxSnapshot): void
}

/** What a snapshot keeps of one world: its clock, customers, every store and the ids they draw, its faults and findings. */
export interface SandboxSnapshot {
  clock: ClockSnapshot
  customers: DirectorySnapshot
  tasks: TaskStoreSnapshot<Task>
  parents: TaskStoreSnapshot<ParentTask>
  deletions: TaskStoreSnapshot<DeletionTask>
  revocations: TaskStoreSnapshot<RevokeTask>
  authorisations: TaskStoreSnapshot<Authorisation>
  authorisationIds: readonly number[]
  sessions: TaskStoreSnapshot<GatewaySession>
  faults: FaultSettings | undefined
  watch: Map<string, ClientWatch>
}

export function createSandbox (options: SandboxOptions): Sandbox {
  const { fixtures, clock, events, owner } = options
  const limits = { retentionMs: options.retentionMs, maxTasks: options.maxTasks }
  // Each client's ids are its own sequence: deterministic, and unlike another client's.
  const ids = (name: string) => owner === undefined ? name : `${owner}/${name}`
  const customers = new CustomerDirectory(fixtures, options.loadedAtMs ?? clock.nowMs(), { owner, ids: ids('customers'), ...(options.owners === undefined ? {} : { owners: options.owners }) })
  const tasks = new TaskStore(ids('refresh'), limits, (task) => customers.forgetTask(task))
  const parents = new TaskStore<ParentTask>(ids('refresh-v2'), limits, (parent) => customers.forgetParent(parent))
  const faults = new Faults(options.faults ?? { settings: fixtures.faults }, options.random ?? Math.random)
  const data = new FinancialData({ clock, customers })
  const deletionTasks = new TaskStore<DeletionTask>(ids('deletions'), limits)
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
  const revokeTasks = new TaskStore<RevokeTask>(ids('revocations'), limits)
  const consents = new Consents({ clock, customers, data, revokes: revokeTasks, settings: { reconfirmDueMs: fixtures.reconfirmDueDays * 24 * 60 * 60 * 1000, stepMs }, changed })
  const authorisationTasks = new TaskStore<Authorisation>(ids('authorisations'), limits)
  const authorisations = new Authorisations({ ids: ids('authorisations'), clock, fixtures, customers, refresh, data, store: authorisationTasks, stepMs, changed })
  const sessions = new TaskStore<GatewaySession>(ids('gateway'), limits)
  const watch = new IntegrationWatch({ clock, customers, settings: fixtures.checks })
  const gateway = new Gateway({ clock, fixtures, customers, authorisations, consents, data, sessions })
  return {
    owner,
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
    faults,
    watch,
    moveClockTo (ms) {
      const byMs = ms - clock.nowMs()
      clock.set(DateTime.fromMillis(ms, { zone: 'utc' }))
      events?.clockMoved(byMs)
    },
    snapshot () {
      return {
        clock: clock.snapshot(),
        customers: customers.snapshot(),
        tasks: tasks.snapshot(),
        parents: parents.snapshot(),
        deletions: deletionTasks.snapshot(),
        revocations: revokeTasks.snapshot(),
        authorisations: authorisationTasks.snapshot(),
        authorisationIds: authorisations.position,
        sessions: sessions.snapshot(),
        faults: faults.own,
        watch: watch.snapshot()
      }
    },
    restore (kept) {
      clock.restore(kept.clock)
      customers.restore(kept.customers)
      tasks.restore(kept.tasks)
      parents.restore(kept.parents)
      deletionTasks.restore(kept.deletions)
      revokeTasks.restore(kept.revocations)
      authorisationTasks.restore(kept.authorisations)
      authorisations.resume(kept.authorisationIds)
      sessions.restore(kept.sessions)
      if (kept.faults === undefined) faults.reset()
      else faults.set(kept.faults)
      watch.restore(kept.watch)
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
      faults.reset()
      watch.clear()
      events?.reset()
    }
  }
}
