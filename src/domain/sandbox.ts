// The sandbox's state in one place: clock, fixtures, customers, tasks, tokens,
// request history, faults and completion webhooks, with the refresh service
// over them. Built once per app; reset() goes back to the fixtures.
import { DateTime } from 'luxon'
import type { Fixtures } from '../fixtures.js'
import { WebhookDispatcher } from '../webhooks/dispatcher.js'
import type { WebhookSigner } from '../webhooks/signer.js'
import { TokenIssuer } from './auth.js'
import type { SandboxClock } from './clock.js'
import { CustomerDirectory } from './customers.js'
import { Faults } from './faults.js'
import { RefreshService } from './refresh.js'
import { RequestHistory } from './request-history.js'
import type { Task } from './task-store.js'
import { TaskStore, type TaskStoreLimits } from './task-store.js'

export interface SandboxOptions extends TaskStoreLimits {
  fixtures: Fixtures
  clock: SandboxClock
  signer: () => Promise<WebhookSigner>
  /** Overrides the fixtures' step duration. */
  stepDurationMs?: number | undefined
  requestHistorySize: number
  random?: () => number
  log?: { warn (obj: object, msg: string): void, info (obj: object, msg: string): void }
}

export interface Sandbox {
  clock: SandboxClock
  fixtures: Fixtures
  customers: CustomerDirectory
  tasks: TaskStore
  refresh: RefreshService
  tokens: TokenIssuer
  history: RequestHistory
  faults: Faults
  webhooks: WebhookDispatcher
  signer: () => Promise<WebhookSigner>
  /** Moves the clock and fires whatever that makes due. */
  moveClockTo (ms: number): void
  reset (): void
  close (): void
}

/** Bud's Refresh Completed webhook body; booleans are strings in it, as Bud sends them. */
export function completionBody (sandbox: Pick<Sandbox, 'refresh'>, task: Task): Record<string, unknown> {
  const outcome = sandbox.refresh.progress(task)
  return {
    data: {
      task_id: task.taskId,
      task_type: 'refresh',
      customer_id: task.customerId,
      status: outcome.status,
      result: outcome.result,
      reconnect_required: String(outcome.reconnectRequired),
      has_new_transactions: String(outcome.hasNewTransactions ?? false),
      provider: task.provider,
      consent_id: task.consentId ?? null
    }
  }
}

export function createSandbox (options: SandboxOptions): Sandbox {
  const { fixtures, clock, signer } = options
  const customers = new CustomerDirectory(fixtures, clock.nowMs())
  const tasks = new TaskStore({ retentionMs: options.retentionMs, maxTasks: options.maxTasks }, (task) => customers.forgetTask(task))
  const secrets = new Map(fixtures.clients.flatMap((c) => c.clientSecret === undefined ? [] : [[c.clientId, c.clientSecret] as const]))
  const tokens = new TokenIssuer({ acceptAnyClient: fixtures.acceptAnyClient, secrets })
  const history = new RequestHistory(options.requestHistorySize)
  const faults = new Faults(fixtures.faults, options.random ?? Math.random)
  const dispatcherOptions: ConstructorParameters<typeof WebhookDispatcher>[0] = {
    clock,
    signer,
    bodyFor: (taskId) => {
      const task = tasks.get(taskId)
      return task === undefined ? undefined : completionBody(sandbox, task)
    }
  }
  if (options.log !== undefined) dispatcherOptions.log = options.log
  const webhooks = new WebhookDispatcher(dispatcherOptions)
  const seedWebhooks = () => { for (const c of fixtures.clients) if (c.webhookUrl !== undefined) webhooks.setUrl(c.clientId, c.webhookUrl) }
  seedWebhooks()

  const refresh = new RefreshService({
    clock,
    fixtures,
    customers,
    tasks,
    settings: { stepDurationMs: options.stepDurationMs ?? fixtures.stepDurationMs },
    // Most clients have no webhook URL: their tasks' end is not worked out.
    onCreated: (task) => {
      if (webhooks.urlFor(task.clientId) !== undefined) webhooks.schedule(task.taskId, task.clientId, refresh.progress(task).endsAtMs)
    }
  })
  const sandbox: Sandbox = {
    clock,
    fixtures,
    customers,
    tasks,
    refresh,
    tokens,
    history,
    faults,
    webhooks,
    signer,
    moveClockTo (ms) {
      clock.set(DateTime.fromMillis(ms, { zone: 'utc' }))
      webhooks.tick(true)
    },
    reset () {
      tasks.clear()
      customers.reset(clock.nowMs())
      history.clear()
      faults.reset()
      webhooks.reset()
      seedWebhooks()
    },
    close () {
      webhooks.close()
    }
  }
  return sandbox
}
