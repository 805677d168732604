// OAuth2 as Bud does it: client credentials (or a refresh token) in, a bearer
// access token out, expiring on the sandbox clock. Tokens are opaque random
// strings held in memory. An expired token is remembered (and answered
// token_expired) until MAX_TOKENS newer ones push it out, so a client that
// renews on token_expired is never told token_invalid for a token it was given.
import { randomBytes } from 'node:crypto'
import { BudError, ERRORS } from './errors.js'

export const ACCESS_TOKEN_TTL_S = 3600
export const REFRESH_TOKEN_TTL_MS = 24 * 60 * 60 * 1000
/** Tokens remembered at most (each kind), live or expired; past it the oldest are forgotten (token_invalid). */
export const MAX_TOKENS = 100_000
/** The longest client id given a token, as openapi.yaml bounds X-Client-Id: what a token keeps stays small. */
export const MAX_CLIENT_ID_LENGTH = 255

export interface IssuedTokens {
  accessToken: string
  refreshToken: string
  expiresIn: number
}

export interface Grant {
  clientId: string
  expiresAtMs: number
}

export interface ClientCredentials {
  /** When false, only the listed id/secret pairs get tokens. */
  acceptAnyClient: boolean
  secrets: Map<string, string>
}

const token = () => randomBytes(32).toString('base64url')

export class TokenIssuer {
  readonly #credentials: ClientCredentials
  readonly #draw: () => string
  // Both maps are in issue order: the oldest is forgotten first.
  readonly #access = new Map<string, Grant>()
  readonly #refresh = new Map<string, Grant>()

  /** `draw` makes each token; random unless the state draws them (STATE_DIR, so a replay draws the same). */
  constructor (credentials: ClientCredentials, draw: () => string = token) {
    this.#credentials = credentials
    this.#draw = draw
  }

  /** client_credentials: the client's id and secret from HTTP Basic. */
  issueForClient (clientId: string, secret: string, nowOf: (clientId: string) => number): IssuedTokens {
    const { acceptAnyClient, secrets } = this.#credentials
    if (clientId.length > MAX_CLIENT_ID_LENGTH || (!acceptAnyClient && secrets.get(clientId) !== secret)) {
      throw new BudError(ERRORS.badCredentials)
    }
    // The clock is read only for a client that gets a token (reading it may make the client's world).
    return this.#issue(clientId, nowOf(clientId))
  }

  /** refresh_token: a refresh token issued to the client named by X-Client-Id. */
  issueForRefreshToken (clientId: string, refreshToken: string, nowMs: number): IssuedTokens {
    const grant = this.#refresh.get(refreshToken)
    if (grant === undefined || grant.clientId !== clientId || grant.expiresAtMs <= nowMs) {
      throw new BudError(ERRORS.tokenUnauthorised)
    }
    return this.#issue(clientId, nowMs)
  }

  /**
   * Checks a bearer token for a request made as `clientId` (when the request
   * names one); it expires on the clock of the client it was issued to.
   */
  verify (accessToken: string, clientId: string | undefined, nowOf: (clientId: string) => number): string {
    const grant = this.#access.get(accessToken)
    if (grant === undefined) throw new BudError(ERRORS.tokenInvalid)
    if (grant.expiresAtMs <= nowOf(grant.clientId)) throw new BudError(ERRORS.tokenExpired)
    if (clientId !== undefined && clientId !== grant.clientId) {
      throw new BudError(ERRORS.tokenInvalid, {}, 'The access token was not issued to this client.')
    }
    return grant.clientId
  }

  /** The tokens remembered, in issue order (a snapshot's): a client's token keeps working after a restart. */
  snapshot (): { access: Map<string, Grant>, refresh: Map<string, Grant> } {
    return { access: this.#access, refresh: this.#refresh }
  }

  restore (kept: { access: Map<string, Grant>, refresh: Map<string, Grant> }): void {
    for (const [map, from] of [[this.#access, kept.access], [this.#refresh, kept.refresh]] as const) {
      map.clear()
      for (const [token, grant] of from) map.set(token, grant)
    }
  }

  #issue (clientId: string, nowMs: number): IssuedTokens {
    this.#forgetOldest()
    const issued = { accessToken: this.#draw(), refreshToken: this.#draw(), expiresIn: ACCESS_TOKEN_TTL_S }
    this.#access.set(issued.accessToken, { clientId, expiresAtMs: nowMs + ACCESS_TOKEN_TTL_S * 1000 })
    this.#refresh.set(issued.refreshToken, { clientId, expiresAtMs: nowMs + REFRESH_TOKEN_TTL_MS })
    return issued
  }

  #forgetOldest (): void {
    for (const map of [this.#access, this.#refresh]) {
      for (const key of map.keys()) {
        if (map.size < MAX_TOKENS) break
        map.delete(key)
      }
    }
  }
}
