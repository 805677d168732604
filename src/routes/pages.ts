// The pages a customer clicks through: the sandbox's mock bank (approve or
// deny sharing data) and Bud Connect (choose a provider, reconfirm or revoke a
// consent, see what is connected). Server-rendered HTML through @fastify/view
// and Eta, which escapes every value it writes; a strict Content-Security-
// Policy from @fastify/helmet; real forms and buttons, so a person clicks and
// a script sends one form POST. Errors are pages too, with their status.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import formbody from '@fastify/formbody'
import helmet from '@fastify/helmet'
import view from '@fastify/view'
import { Eta } from 'eta'
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify'
import { DateTime } from 'luxon'
import { BANK_PAGE_PATH } from '../domain/connect/authorisations.js'
import { GATEWAY_PAGE_PATH, INITIAL_SCREENS, type Gateway, type GatewaySession, type InitialScreen, type Screen } from '../domain/connect/gateway.js'
import type { ConsentRecord } from '../domain/consents/consents.js'
import { CONSENT_LIFETIME_MS } from '../domain/customers.js'
import { formatPence } from '../domain/data/money.js'
import { BudError } from '../domain/errors.js'
import { StateUnavailable } from '../http/error-handling.js'

const STYLE_PATH = '/sandbox-pages/style.css'

interface Form { [field: string]: string | string[] | undefined }

const field = (body: Form | undefined, name: string): string => {
  const value = body?.[name]
  if (typeof value !== 'string' || value === '') throw new PageError(400, 'Something is missing', `The form did not send "${name}".`)
  return value
}

class PageError extends Error {
  constructor (readonly statusCode: number, readonly heading: string, message: string) {
    super(message)
  }
}

/** Where the examples send the customer's browser back to: the sandbox's stand-in for the client's app. */
export const CALLBACK_PATH = '/sandbox/callback'

/** What the client's app does next with what the redirect brought. */
function nextCall (query: Record<string, unknown>): string {
  if (typeof query.code === 'string' && typeof query.state === 'string') return 'POST /v2/open-banking/authorisation-codes with every parameter above as JSON ({"code": …, "state": …}): the answer is the connect task, then poll GET /v1/open-banking/connect/{task_id}.'
  if (query.error === 'access_denied') return 'The customer denied access at the bank: send the parameters to POST /v2/open-banking/authorisation-codes all the same, and the connect task fails auth_denied.'
  if (typeof query.task_id === 'string') return `Poll GET /v1/open-banking/connect/${query.task_id} until it ends (status ${typeof query.status === 'string' ? query.status : 'unknown'}).`
  if (typeof query.status === 'string') return `Bud Connect ended with status ${query.status}; no task to poll.`
  return 'Nothing came back: this page shows the parameters of a redirect to it.'
}

/** A date as a person reads it: 6 March 2027. */
const readableDate = (ms: number) => DateTime.fromMillis(ms, { zone: 'utc' }).setLocale('en-GB').toFormat('d LLLL yyyy')

export default async function pageRoutes (fastify: FastifyInstance, { views }: { views: string }) {
  const { worlds } = fastify
  const { fixtures } = worlds.template
  // A page's link names a task of one client's world: the ids are each client's own.
  const bankWorldOf = (taskId: string) => worlds.holding((w) => w.authorisations.holds(taskId)) ?? worlds.template
  const bankOf = (taskId: string) => bankWorldOf(taskId).authorisations
  const gatewayOf = (sessionId: string) => (worlds.holding((w) => w.gateway.holds(sessionId)) ?? worlds.template).gateway
  // The pages name a provider as the chooser does, by its display name; forms still send its id.
  const displayName = (provider: string) => fixtures.providers.get(provider)?.displayName ?? provider
  const consentRow = (c: ConsentRecord) => ({ consent_id: c.consentId, provider: c.provider, name: displayName(c.provider), status: c.status, expires: readableDate(c.expiresAtMs) })
  const style = readFileSync(join(views, 'style.css'), 'utf8')

  await fastify.register(formbody)
  await fastify.register(view, { engine: { eta: new Eta() }, templates: views, production: true })
  await fastify.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"],
        styleSrc: ["'self'"],
        imgSrc: ['data:'],
        // After a form, the browser follows the sandbox's redirect to the client's URL.
        formAction: ["'self'", 'http:', 'https:'],
        baseUri: ["'none'"],
        frameAncestors: ["'none'"]
      }
    },
    crossOriginEmbedderPolicy: false,
    // Served over plain http on a developer's machine: no HSTS for localhost.
    strictTransportSecurity: false
  })

  fastify.setErrorHandler((error: FastifyError | BudError | PageError, request, reply) => {
    if (error instanceof PageError) return page(reply, error.statusCode, error.heading, error.message)
    if (error instanceof BudError) {
      const heading = error.statusCode === 410 ? 'This link has expired' : error.statusCode === 409 ? 'Already answered' : error.statusCode === 404 ? 'Not found' : 'This cannot be done'
      const message = Object.values(error.errors)[0] ?? error.message
      return page(reply, error.statusCode, heading, message)
    }
    if (typeof error.statusCode === 'number' && error.statusCode < 500) return page(reply, error.statusCode, 'This request cannot be read', 'Send the page\'s own form.')
    if (error instanceof StateUnavailable) return page(reply.header('retry-after', '5'), 503, 'Try again in a moment', error.message)
    request.log.error({ err: error }, 'page failed')
    return page(reply, 500, 'Something went wrong', 'The sandbox could not show this page.')
  })
  const page = (reply: FastifyReply, statusCode: number, heading: string, message: string) =>
    reply.code(statusCode).view('error.eta', { heading, message })

  fastify.get(STYLE_PATH, { config: { operationId: 'page_style_get' } }, (_request, reply) => reply.type('text/css; charset=utf-8').send(style))

  // The mock bank.
  fastify.get<{ Params: { task_id: string } }>(`${BANK_PAGE_PATH}:task_id`, { config: { operationId: 'page_bank_get' } }, (request, reply) => {
    const world = bankWorldOf(request.params.task_id)
    const task = world.authorisations.forBank(request.params.task_id)
    if (task.decision !== undefined) throw new PageError(409, 'Already answered', 'You have answered this request already.')
    return reply.view('bank.eta', {
      bank: displayName(task.provider),
      until: readableDate(world.clock.nowMs() + CONSENT_LIFETIME_MS),
      clientId: task.clientId,
      reauthorise: task.reauthorise,
      action: BANK_PAGE_PATH + task.taskId
    })
  })
  fastify.post<{ Params: { task_id: string }, Body: Form }>(`${BANK_PAGE_PATH}:task_id`, { config: { operationId: 'page_bank_post' } }, (request, reply) => {
    const decision = field(request.body, 'decision')
    if (decision !== 'approve' && decision !== 'deny') throw new PageError(400, 'Something is missing', 'Approve or Deny.')
    const authorisations = bankOf(request.params.task_id)
    const task = authorisations.forBank(request.params.task_id)
    const location = authorisations.decide(task, decision === 'approve')
    // Through Bud Connect the bank's answer made the connect task: answered to the client on the redirect.
    if (task.returnTo.kind === 'gateway' && task.connectTask !== undefined) fastify.checks.answered(task.connectTask)
    request.log.info({ taskId: task.taskId, decision }, 'bank answered')
    return reply.redirect(location, 303)
  })

  // A stand-in for the client's app: where the examples' redirects land, showing what the app would receive.
  fastify.get<{ Querystring: Record<string, string | string[] | undefined> }>(CALLBACK_PATH, { config: { operationId: 'page_callback_get' } }, (request, reply) => {
    const params = Object.entries(request.query).flatMap(([name, value]) => (Array.isArray(value) ? value : [value ?? '']).map((v) => ({ name, value: v })))
    return reply.view('callback.eta', { params, next: nextCall(request.query) })
  })

  // Bud Connect.
  const base = (session: GatewaySession) => GATEWAY_PAGE_PATH + session.taskId
  const show = (reply: FastifyReply, shown: Screen | { redirect: string }) => {
    if ('redirect' in shown) return reply.redirect(shown.redirect, 303)
    const at = base(shown.session)
    switch (shown.kind) {
      case 'providers':
        return reply.view('providers.eta', { base: at, providers: shown.providers.map((p) => ({ name: p.name, displayName: p.displayName, icon: p.icon })) })
      case 'reconfirm':
        return reply.view('consents.eta', { base: at, heading: 'Renew a consent', consents: shown.consents.map(consentRow), action: 'reconfirm', field: 'consent_id', verb: 'Renew' })
      case 'revoke':
        return reply.view('consents.eta', { base: at, heading: 'Stop sharing', consents: shown.consents.map(consentRow), action: 'revoke', field: 'provider', verb: 'Revoke' })
      case 'summary':
        return reply.view('consents.eta', {
          base: at,
          heading: 'What you share',
          consents: shown.consents.map(consentRow),
          accounts: shown.accounts.map((a) => ({ provider: displayName(a.connection.provider), name: a.account.accountName, balance: `${a.bookedPence < 0 ? '-' : ''}${formatPence(Math.abs(a.bookedPence))} ${a.account.currency}` }))
        })
    }
  }

  /** A form on a Bud Connect screen: what the session's gateway makes of it, as a redirect. */
  const answer = (sessionId: string, reply: FastifyReply, act: (gateway: Gateway, session: GatewaySession) => string) => {
    const gateway = gatewayOf(sessionId)
    return reply.redirect(act(gateway, gateway.open(sessionId)), 303)
  }

  fastify.get<{ Params: { session: string }, Querystring: { screen?: string } }>(`${GATEWAY_PAGE_PATH}:session`, { config: { operationId: 'page_connect_get' } }, (request, reply) => {
    const gateway = gatewayOf(request.params.session)
    const session = gateway.open(request.params.session)
    const asked = request.query.screen
    const screen = typeof asked === 'string' && (INITIAL_SCREENS as readonly string[]).includes(asked) ? asked as InitialScreen : undefined
    return show(reply, gateway.screen(session, screen))
  })
  fastify.post<{ Params: { session: string }, Body: Form }>(`${GATEWAY_PAGE_PATH}:session/provider`, { config: { operationId: 'page_connect_provider_post' } }, (request, reply) =>
    answer(request.params.session, reply, (gateway, session) => gateway.choose(session, field(request.body, 'provider'))))
  fastify.post<{ Params: { session: string }, Body: Form }>(`${GATEWAY_PAGE_PATH}:session/reconfirm`, { config: { operationId: 'page_connect_reconfirm_post' } }, (request, reply) =>
    answer(request.params.session, reply, (gateway, session) => gateway.reconfirm(session, field(request.body, 'consent_id'))))
  fastify.post<{ Params: { session: string }, Body: Form }>(`${GATEWAY_PAGE_PATH}:session/revoke`, { config: { operationId: 'page_connect_revoke_post' } }, (request, reply) =>
    answer(request.params.session, reply, (gateway, session) => gateway.revoke(session, field(request.body, 'provider'))))
  fastify.post<{ Params: { session: string } }>(`${GATEWAY_PAGE_PATH}:session/done`, { config: { operationId: 'page_connect_done_post' } }, (request, reply) =>
    answer(request.params.session, reply, (gateway, session) => gateway.done(session)))
}
