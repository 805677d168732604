// Shares the sandbox with every route: each client's world as
// `fastify.worlds.of(clientId)`, what all clients share (tokens, the request
// history) beside it, and the completion webhooks as `fastify.webhooks`,
// wired to each world's events (a task that ends, its clock moving, a reset).
import fp from 'fastify-plugin'
import { TokenIssuer } from '../domain/auth.js'
import type { SandboxClock } from '../domain/clock.js'
import { RequestHistory } from '../domain/request-history.js'
import { createSandbox, type Sandbox, type SandboxOptions } from '../domain/sandbox.js'
import { Worlds } from '../domain/worlds.js'
import { ALL_WEBHOOK_EVENTS, connectCompletedBody, consentChangedBody, providerRefreshCompletedBody, refreshCompletedBody, refreshV2CompletedBody, WEBHOOK_EVENTS } from '../webhooks/bodies.js'
import { WebhookDispatcher, type Delivery, type DispatcherOptions } from '../webhooks/dispatcher.js'
import type { ConsentChange, ParentTask, Task } from '../domain/records.js'

declare module 'fastify' {
  interface FastifyInstance {
    worlds: Worlds
    tokens: TokenIssuer
    history: RequestHistory
    webhooks: WebhookDispatcher
  }
}

export interface SandboxPluginOptions extends Omit<SandboxOptions, 'events' | 'owner' | 'faults' | 'owners' | 'loadedAtMs'> {
  requestHistorySize: number
  maxWorlds?: number | undefined
  signer: DispatcherOptions['signer']
  log?: DispatcherOptions['log']
  /** Makes each token (STATE_DIR's sequence); random when absent. */
  drawToken?: () => string
}

export default fp<SandboxPluginOptions>(async (fastify, options) => {
  const { signer, log, requestHistorySize, maxWorlds, clock, drawToken, ...sandboxOptions } = options
  const { fixtures } = options
  const clockOf = (clientId: string): SandboxClock => worlds.clockOf(clientId)
  // A delivery's body is made when it falls due, from its subject, by the services of its client's world.
  const bodyOf = (delivery: Delivery): Record<string, unknown> => {
    const { refresh, data } = worlds.peek(delivery.clientId) ?? worlds.template
    switch (delivery.event) {
      case WEBHOOK_EVENTS.refreshCompleted: return refreshCompletedBody(refresh, delivery.subject as Task)
      case WEBHOOK_EVENTS.v2ProviderCompleted: return providerRefreshCompletedBody(refresh, data, delivery.subject as Task)
      case WEBHOOK_EVENTS.v2Completed: return refreshV2CompletedBody(refresh, data, delivery.subject as ParentTask)
      case WEBHOOK_EVENTS.connectCompleted: return connectCompletedBody(refresh, delivery.subject as Task)
      default: return consentChangedBody(delivery.subject as ConsentChange)
    }
  }
  const webhooks = new WebhookDispatcher({ clock, clockOf, signer, bodyOf, ...(log === undefined ? {} : { log }) })
  const seedUrls = (clientId?: string) => {
    for (const c of fixtures.clients) {
      if (c.webhookUrl !== undefined && (clientId === undefined || c.clientId === clientId)) webhooks.subscribe(c.clientId, c.webhookUrl, c.webhookEvents ?? ALL_WEBHOOK_EVENTS)
    }
  }
  seedUrls()

  const make = (owner: string | undefined, ownClock: SandboxClock, shared: Pick<Required<SandboxOptions>, 'faults' | 'owners' | 'loadedAtMs'>): Sandbox => {
    const sandbox: Sandbox = createSandbox({
      ...sandboxOptions,
      ...shared,
      owner,
      clock: ownClock,
      // What every new client starts from serves no client: nothing of it ends or is delivered.
      events: owner === undefined
        ? undefined
        : {
            listensTo: (clientId) => webhooks.urlFor(clientId) !== undefined,
            refreshEnds: (task, endsAtMs) => webhooks.schedule(WEBHOOK_EVENTS.refreshCompleted, task.taskId, task.clientId, endsAtMs, task),
            parentEnds: (parent, endsAtMs) => {
              // Each provider's webhook as its sub-task ends, then the parent's once the last one has.
              for (const task of parent.subTasks) {
                const subEndsAtMs = sandbox.refresh.progress(task).endsAtMs
                webhooks.schedule(WEBHOOK_EVENTS.v2ProviderCompleted, task.taskId, task.clientId, subEndsAtMs, task)
              }
              webhooks.schedule(WEBHOOK_EVENTS.v2Completed, parent.taskId, parent.clientId, endsAtMs, parent)
            },
            connectEnds: (task, endsAtMs) => webhooks.schedule(WEBHOOK_EVENTS.connectCompleted, task.taskId, task.clientId, endsAtMs, task),
            consentChanged: (change) => webhooks.schedule(change.event, change.consentId, change.clientId, change.atMs, change),
            clockMoved: (byMs) => webhooks.clientClockMoved(owner, byMs),
            reset: () => {
              webhooks.reset(owner)
              seedUrls(owner)
            }
          }
    })
    return sandbox
  }
  const history = new RequestHistory(requestHistorySize)
  const worlds = new Worlds({
    fixtures,
    clock,
    maxWorlds,
    make,
    events: {
      sharedClockMoved: () => webhooks.tick(true),
      allReset: () => {
        webhooks.reset()
        seedUrls()
        history.clear()
      }
    }
  })
  const secrets = new Map(fixtures.clients.flatMap((c) => c.clientSecret === undefined ? [] : [[c.clientId, c.clientSecret] as const]))
  fastify.decorate('worlds', worlds)
  fastify.decorate('tokens', new TokenIssuer({ acceptAnyClient: fixtures.acceptAnyClient, secrets }, drawToken))
  fastify.decorate('history', history)
  fastify.decorate('webhooks', webhooks)
  fastify.addHook('onClose', async () => webhooks.close())
}, { name: 'sandbox', fastify: '5.x' })
