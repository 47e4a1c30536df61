import { createPublicKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';

/** A key pair and a self-signed X.509 certificate for it (PEM). */
export interface SelfSignedCertificate {
  readonly privateKey: KeyObject;
  readonly certificatePem: string;
}

/** DER: a tag, its length, its content. */
function der(tag: number, content: Buffer): Buffer {
  const length = content.length;
  let header: Buffer;
  if (length < 0x80) header = Buffer.from([tag, length]);
  else {
    const bytes: number[] = [];
    for (let rest = length; rest > 0; rest >>= 8) bytes.unshift(rest & 0xff);
    header = Buffer.from([tag, 0x80 | bytes.length, ...bytes]);
  }
  return Buffer.concat([header, content]);
}

const sequence = (...items: Buffer[]) => der(0x30, Buffer.concat(items));
const set = (...items: Buffer[]) => der(0x31, Buffer.concat(items));
const nullValue = Buffer.from([0x05, 0x00]);

function oid(dotted: string): Buffer {
  const [first, second, ...rest] = dotted.split('.').map(Number);
  const bytes = [first * 40 + second];
  for (const arc of rest) {
    const chunk = [arc & 0x7f];
    for (let value = arc >> 7; value > 0; value >>= 7) chunk.unshift((value & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  return der(0x06, Buffer.from(bytes));
}

function utcTime(date: Date): Buffer {
  const text = date.toISOString().replace(/[-:T]/g, '').slice(2, 14) + 'Z';
  return der(0x17, Buffer.from(text, 'ascii'));
}

function commonName(name: string): Buffer {
  return sequence(set(sequence(oid('2.5.4.3'), der(0x0c, Buffer.from(name, 'utf8')))));
}

/**
 * A self-signed certificate (SHA256withRSA, valid from an hour ago for `days`) over an RSA key
 * (a fresh one unless given), built with node:crypto alone: what the partner sandbox serves at its
 * SNS `SigningCertURL`, and what tests sign with. Nothing is written to disk.
 */
export function selfSignedCertificate(
  subject: string,
  days = 30,
  privateKey: KeyObject = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey,
): SelfSignedCertificate {
  const publicKey = createPublicKey(privateKey);
  const sha256WithRsa = sequence(oid('1.2.840.113549.1.1.11'), nullValue);
  const serial = randomBytes(16);
  serial[0] &= 0x7f; // a positive INTEGER
  const now = Date.now();
  const tbs = sequence(
    der(0xa0, der(0x02, Buffer.from([2]))), // version 3
    der(0x02, serial),
    sha256WithRsa,
    commonName(subject),
    sequence(utcTime(new Date(now - 3_600_000)), utcTime(new Date(now + days * 86_400_000))),
    commonName(subject),
    publicKey.export({ type: 'spki', format: 'der' }),
  );
  const signature = sign('sha256', tbs, privateKey);
  const certificate = sequence(tbs, sha256WithRsa, der(0x03, Buffer.concat([Buffer.from([0]), signature])));
  const base64 = certificate.toString('base64').replace(/(.{64})/g, '$1\n');
  return {
    privateKey,
    certificatePem: `-----BEGIN CERTIFICATE-----\n${base64.replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`,
  };
}
