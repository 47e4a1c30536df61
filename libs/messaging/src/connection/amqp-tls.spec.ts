import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { amqpSocketOptions, amqpUrlWithClientCertificate } from './amqp-tls';
import { brokerUserOf, redactUrl } from './amqp-connection';

describe('amqpSocketOptions', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cstr-amqp-tls-'));
  const ca = join(dir, 'ca.pem');
  const cert = join(dir, 'court.pem');
  const key = join(dir, 'court.key');
  writeFileSync(ca, 'CA');
  writeFileSync(cert, 'CERT');
  writeFileSync(key, 'KEY');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the CA named in the URL, verifies always, and hands amqplib the URL without the TLS parameters', () => {
    const { connectUrl, socketOptions } = amqpSocketOptions(
      `amqps://hub:secret@127.0.0.1:5681/cstr?cacertfile=${encodeURIComponent(ca)}&heartbeat=5`,
    );
    expect(connectUrl).toBe('amqps://hub:secret@127.0.0.1:5681/cstr?heartbeat=5');
    expect(socketOptions).toMatchObject({ ca: [Buffer.from('CA')], rejectUnauthorized: true, minVersion: 'TLSv1.2' });
  });

  it('takes the CA from caFile when the URL names none, and the URL’s over it', () => {
    expect(amqpSocketOptions('amqps://hub:x@broker/cstr', { caFile: ca }).socketOptions.ca).toEqual([
      Buffer.from('CA'),
    ]);
    const other = join(dir, 'other.pem');
    writeFileSync(other, 'OTHER');
    expect(
      amqpSocketOptions(`amqps://hub:x@broker/cstr?cacertfile=${encodeURIComponent(other)}`, { caFile: ca })
        .socketOptions.ca,
    ).toEqual([Buffer.from('OTHER')]);
  });

  it('connects a plain amqp:// URL in clear, as given, without TLS options', () => {
    const { connectUrl, socketOptions } = amqpSocketOptions('amqp://hub:x@127.0.0.1:5672/cstr', { caFile: ca });
    expect(connectUrl).toBe('amqp://hub:x@127.0.0.1:5672/cstr');
    expect(socketOptions.ca).toBeUndefined();
    expect(socketOptions.rejectUnauthorized).toBeUndefined();
  });

  it('logs in with a client certificate (EXTERNAL) as its common name, and refuses half a certificate', () => {
    const url = amqpUrlWithClientCertificate(`amqps://court:secret@127.0.0.1:5681/cstr?cacertfile=${ca}`, {
      certFile: cert,
      keyFile: key,
    });
    expect(new URL(url).password).toBe('');
    const { socketOptions } = amqpSocketOptions(url);
    expect(socketOptions).toMatchObject({ cert: Buffer.from('CERT'), key: Buffer.from('KEY') });
    expect((socketOptions.credentials as { mechanism: string }).mechanism).toBe('EXTERNAL');
    expect(() => amqpSocketOptions(`amqps://court@h/cstr?certfile=${cert}`)).toThrow(/certfile and keyfile/);
    expect(() => amqpSocketOptions('amqp://court@h/cstr?auth_mechanism=external')).toThrow(/amqps URL/);
  });

  it('never shows the password or the TLS parameters in logs', () => {
    expect(redactUrl(`amqps://hub:secret@127.0.0.1:5681/cstr?cacertfile=${ca}`)).toBe(
      'amqps://hub@127.0.0.1:5681/cstr',
    );
    expect(brokerUserOf('amqps://hub:secret@127.0.0.1:5681/cstr')).toBe('hub');
  });
});
