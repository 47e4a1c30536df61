import { X509Certificate, createVerify } from 'node:crypto';
import {
  forbidden,
  unauthenticated,
  type AuthenticatedCaller,
  type InboundAuthenticator,
  type InboundRequest,
} from './bearer-token.verifier';

/** The fields of an SNS message that are signed, in the order AWS signs them. */
const SIGNED_FIELDS: Readonly<Record<string, readonly string[]>> = {
  Notification: ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'],
  SubscriptionConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
  UnsubscribeConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
};

/** SNS `SignatureVersion` → the digest signed with RSA: 1 is SHA1withRSA, 2 SHA256withRSA. */
const ALGORITHM_BY_VERSION: Readonly<Record<string, string>> = { '1': 'RSA-SHA1', '2': 'RSA-SHA256' };

/**
 * The canonical string SNS signs for a message (as AWS documents "Verifying the signatures of
 * Amazon SNS messages"): each signed field present, as `name\nvalue\n`, in byte order of the
 * names; `Subject` only when the notification has one. Undefined for an unknown `Type`.
 */
export function snsStringToSign(message: Readonly<Record<string, unknown>>): string | undefined {
  const fields = typeof message.Type === 'string' ? SIGNED_FIELDS[message.Type] : undefined;
  if (!fields) return undefined;
  return fields
    .filter((field) => typeof message[field] === 'string')
    .map((field) => `${field}\n${message[field] as string}\n`)
    .join('');
}

/** The digest name node:crypto signs and verifies with for a `SignatureVersion`. */
export function snsSignatureAlgorithm(version: string): string | undefined {
  return ALGORITHM_BY_VERSION[version];
}

/** Options of {@link SnsSignatureVerifier}. */
export interface SnsSignatureOptions {
  /** The only URL prefixes a `SigningCertURL` may have (the AWS ones: `https://sns.<region>.amazonaws.com/`). */
  readonly certUrlAllowList: readonly string[];
  /** When set, the only topics accepted. */
  readonly topicArns?: readonly string[];
  readonly timeoutMs?: number;
  /** How long a fetched certificate is kept (default 1 hour). */
  readonly cacheMs?: number;
  readonly fetch?: typeof fetch;
  readonly now?: () => number;
}

/**
 * The message signature of an SNS notification, checked as AWS documents it: `SignatureVersion`
 * 1 (SHA1withRSA) or 2 (SHA256withRSA) over the canonical string of its fields, verified with the
 * certificate at `SigningCertURL` — fetched only from an allow-listed prefix, over no redirect,
 * cached, and used only while valid. A notification unsigned or with a bad signature is 401; a
 * certificate URL outside the allow-list, or a topic not allowed, is 403.
 */
export class SnsSignatureVerifier implements InboundAuthenticator {
  readonly challenge = 'SNS-Signature';
  private readonly certificates = new Map<
    string,
    { readonly at: number; readonly certificate: Promise<X509Certificate> }
  >();
  private readonly fetchImpl: typeof fetch;
  private readonly now: () => number;

  constructor(private readonly options: SnsSignatureOptions) {
    this.fetchImpl = options.fetch ?? fetch;
    this.now = options.now ?? Date.now;
  }

  async authenticate(request: InboundRequest): Promise<AuthenticatedCaller> {
    const message = request.body;
    if (typeof message !== 'object' || message === null || Array.isArray(message))
      throw unauthenticated('An SNS message with a signature is required.');
    const fields = message as Record<string, unknown>;
    const { Signature: signature, SignatureVersion: version, SigningCertURL: certUrl, TopicArn: topic } = fields;
    const stringToSign = snsStringToSign(fields);
    const algorithm = typeof version === 'string' ? snsSignatureAlgorithm(version) : undefined;
    if (typeof signature !== 'string' || typeof certUrl !== 'string' || !stringToSign || !algorithm)
      throw unauthenticated('The SNS message is not signed (Signature, SignatureVersion 1 or 2, SigningCertURL).');
    if (!this.allowed(certUrl)) throw forbidden('SigningCertURL is not under an allow-listed prefix.');
    if (this.options.topicArns && !this.options.topicArns.includes(String(topic)))
      throw forbidden('The SNS topic is not one this adapter subscribes to.');
    const certificate = await this.certificate(certUrl);
    const now = new Date(this.now());
    if (now < new Date(certificate.validFrom) || now > new Date(certificate.validTo))
      throw unauthenticated('The SNS signing certificate is not valid now.');
    const verified = createVerify(algorithm)
      .update(stringToSign, 'utf8')
      .verify(certificate.publicKey, signature, 'base64');
    if (!verified) throw unauthenticated('The SNS message signature does not verify.');
    return { clientId: String(topic) };
  }

  private allowed(url: string): boolean {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return false;
    }
    // Compared in normal form, so `..` segments or a user-info part cannot slip past a prefix.
    return (
      parsed.username === '' &&
      parsed.password === '' &&
      this.options.certUrlAllowList.some((prefix) => parsed.href.startsWith(prefix))
    );
  }

  private async certificate(url: string): Promise<X509Certificate> {
    const cached = this.certificates.get(url);
    if (cached && this.now() - cached.at < (this.options.cacheMs ?? 3_600_000)) return cached.certificate;
    const certificate = this.fetchCertificate(url);
    this.certificates.set(url, { at: this.now(), certificate });
    certificate.catch(() => this.certificates.delete(url));
    return certificate;
  }

  private async fetchCertificate(url: string): Promise<X509Certificate> {
    try {
      const response = await this.fetchImpl(url, {
        redirect: 'error',
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
      if (!response.ok) throw new Error(`answered ${response.status}`);
      return new X509Certificate(await response.text());
    } catch {
      throw unauthenticated('The SNS signing certificate could not be fetched or read.');
    }
  }
}
