import { X509Certificate, createSign, generateKeyPairSync } from 'node:crypto';
import { OperationOutcomeError } from '@cstr/contracts';
import { selfSignedCertificate } from './self-signed-certificate';
import { SnsSignatureVerifier, snsStringToSign } from './sns-signature.verifier';

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const certificatePem = selfSignedCertificate('sns.test', 1, privateKey).certificatePem;

const CERT_URL = 'https://sns.eu-west-2.amazonaws.com/SimpleNotificationService-test.pem';

function notification(): Record<string, string> {
  return {
    Type: 'Notification',
    MessageId: '22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324',
    TopicArn: 'arn:aws:sns:eu-west-2:000000000000:domain-events',
    Message: '{"eventType":"probation-case.registration.added"}',
    Timestamp: '2027-02-03T09:30:00.000Z',
  };
}

function signed(message: Record<string, string>, version: '1' | '2'): Record<string, string> {
  const signature = createSign(version === '1' ? 'RSA-SHA1' : 'RSA-SHA256')
    .update(snsStringToSign(message) as string)
    .sign(privateKey, 'base64');
  return { ...message, SignatureVersion: version, Signature: signature, SigningCertURL: CERT_URL };
}

describe('snsStringToSign', () => {
  it('joins the signed fields of a notification as name\\nvalue\\n in order, Subject only when present', () => {
    expect(snsStringToSign(notification())).toBe(
      'Message\n{"eventType":"probation-case.registration.added"}\nMessageId\n22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324\n' +
        'Timestamp\n2027-02-03T09:30:00.000Z\nTopicArn\narn:aws:sns:eu-west-2:000000000000:domain-events\nType\nNotification\n',
    );
    expect(snsStringToSign({ ...notification(), Subject: 'hello' })).toContain(
      'MessageId\n22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324\nSubject\nhello\nTimestamp\n',
    );
    expect(snsStringToSign({ Type: 'Other' })).toBeUndefined();
  });
});

describe('SnsSignatureVerifier', () => {
  let fetched: string[];
  let verifier: SnsSignatureVerifier;

  it('is given a real X.509 certificate over the signing key', () => {
    expect(new X509Certificate(certificatePem).checkPrivateKey(privateKey)).toBe(true);
  });

  beforeEach(() => {
    fetched = [];
    verifier = new SnsSignatureVerifier({
      certUrlAllowList: ['https://sns.eu-west-2.amazonaws.com/'],
      fetch: (async (url: string) => {
        fetched.push(url);
        return new Response(certificatePem, { status: 200 });
      }) as unknown as typeof fetch,
    });
  });

  async function statusOf(body: unknown): Promise<number> {
    try {
      await verifier.authenticate({ headers: {}, body });
      return 200;
    } catch (error) {
      if (error instanceof OperationOutcomeError) return error.status;
      throw error;
    }
  }

  it('accepts signature versions 1 and 2, fetching the certificate once', async () => {
    expect(await statusOf(signed(notification(), '1'))).toBe(200);
    expect(await statusOf(signed(notification(), '2'))).toBe(200);
    expect(fetched).toEqual([CERT_URL]);
  });

  it('refuses an unsigned, altered or wrongly versioned notification (401)', async () => {
    expect(await statusOf(notification())).toBe(401);
    expect(await statusOf({ ...signed(notification(), '2'), Message: '{"eventType":"other"}' })).toBe(401);
    expect(await statusOf({ ...signed(notification(), '2'), SignatureVersion: '1' })).toBe(401);
    expect(await statusOf({ ...signed(notification(), '2'), SignatureVersion: '3' })).toBe(401);
    expect(await statusOf('not a message')).toBe(401);
  });

  it('never fetches a certificate outside the allow-list (403)', async () => {
    for (const url of [
      'https://sns.eu-west-2.amazonaws.com.evil.test/cert.pem',
      'https://evil.test/https://sns.eu-west-2.amazonaws.com/cert.pem',
      'https://user@sns.eu-west-2.amazonaws.com/cert.pem',
    ])
      expect(await statusOf({ ...signed(notification(), '2'), SigningCertURL: url })).toBe(403);
    expect(fetched).toEqual([]);
  });
});
