// Swagger UI's page settings: what makes Try it out work after one Authorize.
import type { FastifySwaggerUiConfigOptions } from '@fastify/swagger-ui'

/**
 * Swagger UI after one Authorize. These run in the browser (the plugin writes
 * their source into the page), so they name nothing of this module, only
 * the page's globals:
 * once Try it out of the token endpoint answers, the operations are
 * authorized with its access token; and an operation whose X-Client-Id is
 * still the document's example sends the client id the token was taken for.
 */
interface SwaggerUi {
  authActions: { authorize (payload: unknown): void }
  authSelectors: { authorized (): { toJS (): { BasicAuth?: { value?: { username?: string } } } } }
}
function authorizeWithIssuedToken (res: { url: string, ok: boolean, body?: { data?: { access_token?: string } } }) {
  const token = res.ok && /\/v1\/oauth\/token$/.test(res.url) ? res.body?.data?.access_token : undefined
  const ui = (globalThis as unknown as { budSandboxUi?: SwaggerUi }).budSandboxUi
  if (typeof token === 'string' && ui !== undefined) ui.authActions.authorize({ BearerAuth: { name: 'BearerAuth', schema: { type: 'http', scheme: 'bearer' }, value: token } })
  return res
}
function sendAuthorizedClient (req: { headers: Record<string, string> }) {
  const username = (globalThis as unknown as { budSandboxUi?: SwaggerUi }).budSandboxUi?.authSelectors.authorized().toJS().BasicAuth?.value?.username
  if (username !== undefined && username !== '' && req.headers['X-Client-Id'] === '8711bbef-b357-4c2d-97ca-0d9df4206e9a') req.headers['X-Client-Id'] = username
  return req
}
/** Keeps Swagger UI's system where the interceptors find it, and loads the document as the default plugin does. */
function keepSwaggerUi (system: SwaggerUi) {
  const page = globalThis as unknown as { budSandboxUi?: SwaggerUi, SwaggerUIBundle: { plugins: { DownloadUrl (system: SwaggerUi): unknown } } }
  page.budSandboxUi = system
  return page.SwaggerUIBundle.plugins.DownloadUrl(system)
}
export const SWAGGER_UI_CONFIG: FastifySwaggerUiConfigOptions = {
  plugins: [keepSwaggerUi as never],
  responseInterceptor: authorizeWithIssuedToken as unknown as FastifySwaggerUiConfigOptions['responseInterceptor'],
  requestInterceptor: sendAuthorizedClient as unknown as FastifySwaggerUiConfigOptions['requestInterceptor']
}
