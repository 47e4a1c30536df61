import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import { OperationOutcomeError } from '@cstr/contracts';
import { BearerTokenVerifier } from './bearer-token.verifier';

const issuer = 'https://login.court.test/oauth';
const audience = 'urn:cstr-hub:adapter:croydon-mc';
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;

const verifier = new BearerTokenVerifier({
  issuer,
  audience,
  publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  clientIds: ['croydon-mc-common-platform'],
});

function token(claims: Record<string, unknown> = {}, key: KeyObject = privateKey, lifetime = 300): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ client_id: 'croydon-mc-common-platform', ...claims })
    .setProtectedHeader({ alg: 'RS256' })
    .setIssuer((claims.iss as string) ?? issuer)
    .setAudience((claims.aud as string) ?? audience)
    .setIssuedAt(now)
    .setExpirationTime(now + lifetime)
    .sign(key);
}

async function statusOf(authorization?: string): Promise<number> {
  try {
    await verifier.authenticate({ headers: authorization ? { authorization } : {} });
    return 200;
  } catch (error) {
    if (error instanceof OperationOutcomeError) return error.status;
    throw error;
  }
}

describe('BearerTokenVerifier', () => {
  it('lets in a token of the partner’s client, for this adapter, from its issuer', async () => {
    await expect(verifier.authenticate({ headers: { authorization: `Bearer ${await token()}` } })).resolves.toEqual({
      clientId: 'croydon-mc-common-platform',
    });
  });

  it('refuses no token, a Basic header, another issuer, another audience, an expired token or another key (401)', async () => {
    expect(await statusOf()).toBe(401);
    expect(await statusOf('Basic Y3JveWRvbjpzZWNyZXQ=')).toBe(401);
    expect(await statusOf(`Bearer ${await token({ iss: 'https://login.elsewhere.test' })}`)).toBe(401);
    expect(await statusOf(`Bearer ${await token({ aud: 'urn:cstr-hub:adapter:camberwell-green-mc' })}`)).toBe(401);
    expect(await statusOf(`Bearer ${await token({}, privateKey, -120)}`)).toBe(401);
    expect(await statusOf(`Bearer ${await token({}, stranger)}`)).toBe(401);
  });

  it('refuses a valid token issued to another client of the same issuer (403)', async () => {
    expect(await statusOf(`Bearer ${await token({ client_id: 'camberwell-green-mc-common-platform' })}`)).toBe(403);
  });
});
