// The yardstick: bare Fastify 5 answering the sandbox's paths with fixed
// bodies of the same shape, no logger, no validation, no state.
import Fastify from 'fastify'

const app = Fastify()
const created = { operation_id: 'open_banking_refresh_post', data: { task_id: '5b0c8a4e-2f7d-4c1e-9a43-6f1d2e8b7c10', provider: 'Bank_Of_Bud' }, metadata: { status: 'Pending', next_url: '/v1/open-banking/refresh/5b0c8a4e-2f7d-4c1e-9a43-6f1d2e8b7c10', next_url_delay: 50 } }
const status = { operation_id: 'open_banking_refresh_get', data: { task_id: '5b0c8a4e-2f7d-4c1e-9a43-6f1d2e8b7c10', provider: 'Bank_Of_Bud', status: 'Completed', result: 'success', reconnect_required: false, step: 4, text: 'Completed' }, metadata: { status: 'Completed', has_new_transactions: true } }

app.post('/v1/open-banking/refresh', async (_req, reply) => reply.code(202).send(created))
app.get('/v1/open-banking/refresh/:task_id', async () => status)
app.get('/health', async () => ({ status: 'ok' }))

await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' })
