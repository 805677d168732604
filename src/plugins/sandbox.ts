// Shares the sandbox state with every route as `fastify.sandbox`.
import fp from 'fastify-plugin'
import { createSandbox, type Sandbox, type SandboxOptions } from '../domain/sandbox.js'

declare module 'fastify' {
  interface FastifyInstance {
    sandbox: Sandbox
  }
}

export default fp<SandboxOptions>(async (fastify, options) => {
  fastify.decorate('sandbox', createSandbox(options))
}, { name: 'sandbox', fastify: '5.x' })
