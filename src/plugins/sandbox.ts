// Shares the sandbox state with every route as `fastify.sandbox`.
import fp from 'fastify-plugin'
import { createSandbox, type Sandbox, type SandboxOptions } from '../domain/sandbox.js'

declare module 'fastify' {
  interface FastifyInstance {
    sandbox: Sandbox
  }
}

export default fp<SandboxOptions>(async (fastify, options) => {
  const sandbox = createSandbox(options)
  fastify.decorate('sandbox', sandbox)
  fastify.addHook('onClose', async () => sandbox.close())
}, { name: 'sandbox', fastify: '5.x' })
