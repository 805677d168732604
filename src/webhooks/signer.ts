// Signs webhook bodies as Bud does: the body itself as a JWT, with the id of
// the key (published in the JWKS) that verifies it. The key pair is made on
// first use, and jose loaded then: neither is on the start-up path.
import type { JWK } from 'jose'

export const SIGNING_ALG = 'ES256'

export interface WebhookSigner {
  kid: string
  jwks: { keys: JWK[] }
  sign (body: Record<string, unknown>): Promise<string>
}

/** Where the key pair is kept across restarts (a kept state); a new pair per process without one. */
export interface KeyStore {
  /** The private key kept, or the one `make` makes, kept. */
  keep (make: () => Promise<JWK>): Promise<JWK>
}

export async function createSigner (store?: KeyStore): Promise<WebhookSigner> {
  const { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, SignJWT } = await import('jose')
  const make = async () => (await exportJWK((await generateKeyPair(SIGNING_ALG, { extractable: true })).privateKey))
  const kept = await (store === undefined ? make() : store.keep(make))
  const privateKey = await importJWK(kept, SIGNING_ALG)
  const jwk: JWK = { kty: kept.kty, crv: kept.crv, x: kept.x, y: kept.y }
  const kid = await calculateJwkThumbprint(jwk)
  const published: JWK = { ...jwk, kid, alg: SIGNING_ALG, use: 'sig' }
  return {
    kid,
    jwks: { keys: [published] },
    sign: (body) => new SignJWT(body).setProtectedHeader({ alg: SIGNING_ALG, kid, typ: 'JWT' }).sign(privateKey)
  }
}

/** The sandbox's one signer, made when first asked for. */
export function lazySigner (store?: KeyStore): () => Promise<WebhookSigner> {
  let signer: Promise<WebhookSigner> | undefined
  return () => (signer ??= createSigner(store))
}
