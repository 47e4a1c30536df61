import { ConfigError } from '../../config/load-config';
import { TokenUnavailableError } from './client-credentials.token-source';
import { partnerTokenSource } from './partner-token-source';

const SETTINGS = { outboundTokenUrl: 'https://auth.partner.test/token', outboundClientId: 'cstr-hub-x' };

describe('partnerTokenSource', () => {
  it('stops a production boot without the credential, naming the key', () => {
    expect(() => partnerTokenSource('x', SETTINGS, {}, 'production')).toThrow(ConfigError);
    expect(() => partnerTokenSource('x', SETTINGS, {}, 'production')).toThrow(/PARTNER_CLIENT_SECRET/);
    expect(() =>
      partnerTokenSource('x', { ...SETTINGS, outboundClientAuth: 'private_key_jwt' }, {}, 'production'),
    ).toThrow(/PARTNER_CLIENT_PRIVATE_KEY/);
  });

  it('elsewhere starts without one, every token request failing as unavailable', async () => {
    await expect(partnerTokenSource('x', SETTINGS, {}, 'development').token()).rejects.toBeInstanceOf(
      TokenUnavailableError,
    );
  });

  it('refuses partners-file settings without a token URL or client id, and a key that is not PEM', () => {
    expect(() => partnerTokenSource('x', {}, { secret: 's' }, 'development')).toThrow(/outboundTokenUrl/);
    expect(() =>
      partnerTokenSource('x', { ...SETTINGS, outboundClientAuth: 'private_key_jwt' }, { privateKey: 'nope' }, 'test'),
    ).toThrow(/PEM/);
  });
});
