/**
 * Provisions a RabbitMQ broker that someone else runs (docker compose, a user's own) for
 * cstr-hub: vhost `cstr`, the exchanges, every consumed queue with its retry and dead-letter
 * queues, the `hub` user and one least-privilege user per partner (SPEC §4). Idempotent: run it
 * again after adding a partner or changing a password.
 *
 *   node tools/run-ts.js tools/provision-broker.ts      (from the sources)
 *   node dist/tools/provision-broker.js                 (after `npm run build`; the compose `provision` service)
 *
 * Environment:
 *   RABBITMQ_ADMIN_URL       AMQP URL of an administrator, e.g. amqp://admin:secret@rabbitmq:5672 (any vhost in it is ignored)
 *   RABBITMQ_MANAGEMENT_URL  the management API, e.g. http://rabbitmq:15672 (no credentials in it)
 *   PARTNERS_FILE            partners to provision; default config/partners.yaml of the project
 *   BROKER_PASSWORD_HUB      password of the hub's broker user
 *   BROKER_PASSWORD_<ID>     password of each partner's user, <ID> = partner id in upper snake case
 *                            (croydon-mc → BROKER_PASSWORD_CROYDON_MC)
 *   RETRY_DELAYS_MS          optional; the delay queues to declare, as the apps' RETRY_DELAYS_MS
 *
 * Waits (bounded) for the broker to answer, prints a one-line summary, exits 0; on failure
 * prints why and exits 1. Never prints a password.
 */
import { join, relative, resolve } from 'node:path';
import { BROKER_VHOST } from '@cstr/contracts';
import { BrokerProvisioner, BrokerProvisioningError, DEFAULT_RETRY_DELAYS_MS, HUB_BROKER_USER } from '@cstr/messaging';
import { projectRoot, readPartnersFile } from '@cstr/testing';
import { maskSecrets, parseUrl, redact, runCommand, seconds } from './provision-kit';

/** How long to wait for the broker (management API and AMQP) to come up, and how often to try. */
const WAIT_MS = 90_000;
const RETRY_EVERY_MS = 2_000;

interface Settings {
  readonly adminUrl: string;
  readonly managementUrl: string;
  readonly partnersFile: string;
  readonly partners: readonly { readonly id: string }[];
  readonly hubPassword: string;
  readonly passwords: Readonly<Record<string, string>>;
  readonly retryDelaysMs: readonly number[];
}

/** `BROKER_PASSWORD_<ID upper snake>`: the variable holding a broker user's password. */
function passwordVariable(user: string): string {
  return `BROKER_PASSWORD_${user.toUpperCase().replace(/-/g, '_')}`;
}

/** Reads and checks the environment; names every missing or wrong variable at once. */
function readSettings(env: NodeJS.ProcessEnv): Settings {
  const problems: string[] = [];
  const required = (key: string): string => {
    const value = env[key]?.trim();
    if (!value) problems.push(`${key} is not set`);
    return value ?? '';
  };

  const adminUrl = required('RABBITMQ_ADMIN_URL');
  if (adminUrl) {
    const url = parseUrl(adminUrl);
    if (!url || !/^amqps?:$/.test(url.protocol) || !url.username) {
      problems.push(
        "RABBITMQ_ADMIN_URL must be an amqp:// or amqps:// URL with the administrator's user name and password",
      );
    }
  }
  const managementUrl = required('RABBITMQ_MANAGEMENT_URL');
  if (managementUrl) {
    const url = parseUrl(managementUrl);
    if (!url || !/^https?:$/.test(url.protocol))
      problems.push('RABBITMQ_MANAGEMENT_URL must be an http:// or https:// URL');
    else if (url.username || url.password)
      problems.push('RABBITMQ_MANAGEMENT_URL must not carry credentials (those of RABBITMQ_ADMIN_URL are used)');
  }

  const partnersFile = env.PARTNERS_FILE ? resolve(env.PARTNERS_FILE) : join(projectRoot(), 'config', 'partners.yaml');
  const partners = readPartnersFile(partnersFile);

  // The provisioner refuses these too, but only after the wait for the broker: say so at once.
  const adminUser = adminUrl ? decodeURIComponent(parseUrl(adminUrl)?.username ?? '') : '';
  for (const { id } of partners) {
    if (id === HUB_BROKER_USER || id === adminUser)
      problems.push(
        `partner id ${id} in ${partnersFile} collides with the broker user of the hub or the administrator`,
      );
  }

  const hubPassword = required(passwordVariable(HUB_BROKER_USER));
  const passwords = Object.fromEntries(partners.map(({ id }) => [id, required(passwordVariable(id))]));

  const retryDelays = env.RETRY_DELAYS_MS?.trim();
  if (retryDelays && !/^\d+(,\d+)*$/.test(retryDelays))
    problems.push('RETRY_DELAYS_MS must be comma-separated milliseconds, e.g. 1000,5000,30000');
  const retryDelaysMs = retryDelays ? retryDelays.split(',').map(Number) : DEFAULT_RETRY_DELAYS_MS;

  if (problems.length > 0)
    throw new Error(`Cannot provision the broker:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  return {
    adminUrl,
    managementUrl: managementUrl.replace(/\/+$/, ''),
    partnersFile,
    partners,
    hubPassword,
    passwords,
    retryDelaysMs,
  };
}

async function main(): Promise<void> {
  const settings = readSettings(process.env);
  maskSecrets(
    decodeURIComponent(new URL(settings.adminUrl).password),
    settings.hubPassword,
    ...Object.values(settings.passwords),
  );

  const provisioner = new BrokerProvisioner({ managementUrl: settings.managementUrl, adminAmqpUrl: settings.adminUrl });
  const startedAt = Date.now();
  const deadline = startedAt + WAIT_MS;
  for (let attempt = 1; ; attempt++) {
    try {
      await provisioner.provision({
        partners: settings.partners,
        passwords: settings.passwords,
        hubPassword: settings.hubPassword,
        retryDelaysMs: settings.retryDelaysMs,
        // The hub's INGRESS_PARTITIONS (the provisioner checks it): both must say the same.
        ingressPartitions: process.env.INGRESS_PARTITIONS ? Number(process.env.INGRESS_PARTITIONS) : undefined,
      });
      break;
    } catch (error) {
      // Only "not up yet" is worth waiting for; a refusal (wrong credentials, bad request) is final.
      if (!isTransient(error) || Date.now() + RETRY_EVERY_MS > deadline) {
        const waited = attempt > 1 ? ` (gave up after ${attempt} attempts in ${seconds(Date.now() - startedAt)})` : '';
        throw new Error(`Provisioning ${settings.managementUrl} failed${waited}: ${(error as Error).message}`);
      }
      if (attempt === 1)
        console.log(
          redact(
            `Waiting for the broker at ${settings.managementUrl} (up to ${seconds(WAIT_MS)}): ${(error as Error).message}`,
          ),
        );
      await new Promise((done) => setTimeout(done, RETRY_EVERY_MS));
    }
  }

  const ids = settings.partners.map(({ id }) => id);
  console.log(
    `Provisioned vhost ${BROKER_VHOST} at ${settings.managementUrl}: users ${HUB_BROKER_USER} + ${ids.length} partners (${ids.join(', ')}) ` +
      `from ${relative(process.cwd(), settings.partnersFile) || settings.partnersFile}, retry delays ${settings.retryDelaysMs.join(',')} ms, in ${seconds(Date.now() - startedAt)}`,
  );
}

/** The broker is not (fully) up yet: connection refused or reset, DNS not ready, 5xx, timeout. */
function isTransient(error: unknown): boolean {
  if (error instanceof BrokerProvisioningError) return error.status === undefined || error.status >= 500;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return (
    typeof code === 'string' &&
    /^(ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN)$/.test(code)
  );
}

runCommand(main);
