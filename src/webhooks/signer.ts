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

export async function createSigner (): Promise<WebhookSigner> {
  const { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT } = await import('jose')
  const { publicKey, privateKey } = await generateKeyPair(SIGNING_ALG, { extractable: true })
  const jwk = await exportJWK(publicKey)
  const kid = await calculateJwkThumbprint(jwk)
  const published: JWK = { ...jwk, kid, alg: SIGNING_ALG, use: 'sig' }
  return {
    kid,
    jwks: { keys: [published] },
    sign: (body) => new SignJWT(body).setProtectedHeader({ alg: SIGNING_ALG, kid, typ: 'JWT' }).sign(privateKey)
  }
}

/** The sandbox's one signer, made when first asked for. */
export function lazySigner (): () => Promise<WebhookSigner> {
  let signer: Promise<WebhookSigner> | undefined
  return () => (signer ??= createSigner())
}
