// Shares the sandbox with every route: the domain's state as `fastify.sandbox`,
// and the completion webhooks as `fastify.webhooks`, wired to the domain's
// events (a task that ends, the clock moving, a reset).
import fp from 'fastify-plugin'
import { createSandbox, type Sandbox, type SandboxOptions } from '../domain/sandbox.js'
import { ALL_WEBHOOK_EVENTS, connectCompletedBody, consentChangedBody, providerRefreshCompletedBody, refreshCompletedBody, refreshV2CompletedBody, WEBHOOK_EVENTS } from '../webhooks/bodies.js'
import { WebhookDispatcher, type DispatcherOptions } from '../webhooks/dispatcher.js'

declare module 'fastify' {
  interface FastifyInstance {
    sandbox: Sandbox
    webhooks: WebhookDispatcher
  }
}

export interface SandboxPluginOptions extends Omit<SandboxOptions, 'events'> {
  signer: DispatcherOptions['signer']
  log?: DispatcherOptions['log']
}

export default fp<SandboxPluginOptions>(async (fastify, options) => {
  const { signer, log, ...sandboxOptions } = options
  const webhooks = new WebhookDispatcher({ clock: options.clock, signer, ...(log === undefined ? {} : { log }) })
  const seedUrls = () => {
    for (const c of options.fixtures.clients) if (c.webhookUrl !== undefined) webhooks.subscribe(c.clientId, c.webhookUrl, c.webhookEvents ?? ALL_WEBHOOK_EVENTS)
  }
  seedUrls()
  const sandbox: Sandbox = createSandbox({
    ...sandboxOptions,
    events: {
      listensTo: (clientId) => webhooks.urlFor(clientId) !== undefined,
      refreshEnds: (task, endsAtMs) => webhooks.schedule(WEBHOOK_EVENTS.refreshCompleted, task.taskId, task.clientId, endsAtMs, () => refreshCompletedBody(sandbox.refresh, task)),
      parentEnds: (parent, endsAtMs) => {
        // Each provider's webhook as its sub-task ends, then the parent's once the last one has.
        for (const task of parent.subTasks) {
          const subEndsAtMs = sandbox.refresh.progress(task).endsAtMs
          webhooks.schedule(WEBHOOK_EVENTS.v2ProviderCompleted, task.taskId, task.clientId, subEndsAtMs, () => providerRefreshCompletedBody(sandbox.refresh, sandbox.data, task))
        }
        webhooks.schedule(WEBHOOK_EVENTS.v2Completed, parent.taskId, parent.clientId, endsAtMs, () => refreshV2CompletedBody(sandbox.refresh, sandbox.data, parent))
      },
      connectEnds: (task, endsAtMs) => webhooks.schedule(WEBHOOK_EVENTS.connectCompleted, task.taskId, task.clientId, endsAtMs, () => connectCompletedBody(sandbox.refresh, task)),
      consentChanged: (change) => webhooks.schedule(change.event, change.consentId, change.clientId, change.atMs, () => consentChangedBody(change)),
      clockMoved: () => webhooks.tick(true),
      reset: () => {
        webhooks.reset()
        seedUrls()
      }
    }
  })
  fastify.decorate('sandbox', sandbox)
  fastify.decorate('webhooks', webhooks)
  fastify.addHook('onClose', async () => webhooks.close())
}, { name: 'sandbox', fastify: '5.x' })
