import { readFileSync } from 'node:fs';
import * as amqp from 'amqplib';

/**
 * TLS settings an `amqps://` URL may carry as query parameters, as RabbitMQ's URI spec names them
 * for its own clients: `cacertfile` (the CA to trust, PEM), `certfile` and `keyfile` (a client
 * certificate), `server_name_indication` (the name to check the server's certificate against,
 * default the URL's host) and `auth_mechanism=external` (log in as the client certificate's
 * subject, RabbitMQ's `rabbitmq_auth_mechanism_ssl`, instead of with the URL's password).
 */
export const AMQP_TLS_QUERY_KEYS = [
  'cacertfile',
  'certfile',
  'keyfile',
  'server_name_indication',
  'auth_mechanism',
] as const;

/** Options of {@link connectAmqp}. */
export interface ConnectAmqpOptions {
  /** The CA file to trust when the URL names none (an app's `TLS_CA_FILE`). */
  readonly caFile?: string;
  readonly clientProperties?: Record<string, unknown>;
  readonly heartbeatSeconds?: number;
  /** Socket timeout while connecting, in milliseconds. */
  readonly timeoutMs?: number;
}

/**
 * `amqplib.connect` with the TLS settings of the URL (see {@link AMQP_TLS_QUERY_KEYS}): an
 * `amqps://` URL verifies the broker's certificate (against `cacertfile`, else `caFile`, else the
 * system's CAs) and its host name, always. A plain `amqp://` URL connects in clear, as given.
 */
export async function connectAmqp(url: string, options: ConnectAmqpOptions = {}): Promise<amqp.ChannelModel> {
  const { socketOptions, connectUrl } = amqpSocketOptions(url, options);
  return amqp.connect(connectUrl, socketOptions);
}

/** The URL amqplib should get (without the TLS parameters) and its socket options, TLS included. */
export function amqpSocketOptions(
  url: string,
  options: ConnectAmqpOptions = {},
): { connectUrl: string; socketOptions: Record<string, unknown> } {
  const parsed = new URL(url);
  const query = parsed.searchParams;
  const socketOptions: Record<string, unknown> = {};
  if (options.clientProperties) socketOptions.clientProperties = options.clientProperties;
  if (options.timeoutMs !== undefined) socketOptions.timeout = options.timeoutMs;
  // As AmqpConnection always passed it (amqplib reads the heartbeat from the URL's query only).
  if (options.heartbeatSeconds !== undefined) socketOptions.heartbeat = options.heartbeatSeconds;
  if (parsed.protocol === 'amqps:') {
    const caFile = query.get('cacertfile') ?? options.caFile;
    if (caFile) socketOptions.ca = [readFileSync(caFile)];
    const certFile = query.get('certfile');
    const keyFile = query.get('keyfile');
    if (certFile || keyFile) {
      if (!certFile || !keyFile)
        throw new Error('An amqps URL with a client certificate needs both certfile and keyfile');
      socketOptions.cert = readFileSync(certFile);
      socketOptions.key = readFileSync(keyFile);
    }
    const serverName = query.get('server_name_indication');
    if (serverName) socketOptions.servername = serverName;
    socketOptions.rejectUnauthorized = true;
    socketOptions.minVersion = 'TLSv1.2';
  } else if (parsed.protocol !== 'amqp:') {
    throw new Error(`Expected an amqp:// or amqps:// URL, not ${parsed.protocol}//`);
  }
  const mechanism = query.get('auth_mechanism');
  if (mechanism !== null) {
    if (mechanism.toLowerCase() !== 'external') throw new Error(`Unsupported auth_mechanism ${mechanism}`);
    if (parsed.protocol !== 'amqps:' || !query.get('certfile')) {
      throw new Error('auth_mechanism=external needs an amqps URL with a client certificate (certfile, keyfile)');
    }
    socketOptions.credentials = amqp.credentials.external();
  }
  for (const key of AMQP_TLS_QUERY_KEYS) query.delete(key);
  return { connectUrl: parsed.toString(), socketOptions };
}

/**
 * The same broker URL logging in with a client certificate instead of a password
 * (`auth_mechanism=external`: the broker user is the certificate's common name).
 */
export function amqpUrlWithClientCertificate(
  url: string,
  clientCertificate: { readonly certFile: string; readonly keyFile: string },
): string {
  const parsed = new URL(url);
  parsed.username = '';
  parsed.password = '';
  parsed.searchParams.set('certfile', clientCertificate.certFile);
  parsed.searchParams.set('keyfile', clientCertificate.keyFile);
  parsed.searchParams.set('auth_mechanism', 'external');
  return parsed.toString();
}
