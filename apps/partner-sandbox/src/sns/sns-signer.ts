import { createSign } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import {
  selfSignedCertificate,
  snsSignatureAlgorithm,
  snsStringToSign,
  type SelfSignedCertificate,
} from '@cstr/platform';

/** The file name the certificate is served under (`/sandbox/sns/{name}`), as AWS names its signing certificates. */
export const SNS_CERTIFICATE_FILE = 'SimpleNotificationService-sandbox.pem';

/**
 * Signs the SNS messages the Delius stand-in sends, as SNS does: `SignatureVersion` 2
 * (SHA256withRSA; 1 for SHA1withRSA) over the canonical string of the message's fields, with a
 * key whose self-signed certificate the sandbox serves at `SigningCertURL`. Key and certificate
 * are made at boot, never written to disk.
 */
@Injectable()
export class SnsSigner {
  private readonly certificate: SelfSignedCertificate = selfSignedCertificate('sns.partner-sandbox.cstr-hub');

  /** The certificate, PEM. */
  get certificatePem(): string {
    return this.certificate.certificatePem;
  }

  /** `message` with `SignatureVersion`, `Signature` and `SigningCertURL` (under `sandboxBaseUrl`). */
  sign<T extends Record<string, unknown>>(
    message: T,
    sandboxBaseUrl: string,
    version: '1' | '2' = '2',
  ): T & { SignatureVersion: string; Signature: string; SigningCertURL: string } {
    const stringToSign = snsStringToSign(message);
    const algorithm = snsSignatureAlgorithm(version);
    if (stringToSign === undefined || algorithm === undefined) throw new Error('Not an SNS message type');
    const signature = createSign(algorithm).update(stringToSign, 'utf8').sign(this.certificate.privateKey, 'base64');
    return {
      ...message,
      SignatureVersion: version,
      Signature: signature,
      SigningCertURL: `${sandboxBaseUrl}/sandbox/sns/${SNS_CERTIFICATE_FILE}`,
    };
  }
}
