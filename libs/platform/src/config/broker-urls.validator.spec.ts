import 'reflect-metadata';
import { BaseAppConfig } from './base-app.config';
import { ConfigError, loadConfig } from './load-config';

const DATABASE_URL = 'postgres://postgres@127.0.0.1:5442/cstr';
const node = (port: number, user = 'hub'): string => `amqps://${user}:secret@127.0.0.1:${port}/cstr?cacertfile=ca.pem`;

function problemsOf(rabbitmqUrl: string): string[] {
  try {
    loadConfig(BaseAppConfig, { RABBITMQ_URL: rabbitmqUrl, DATABASE_URL });
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems.map(({ key, problem }) => `${key}: ${problem}`);
  }
}

describe('RABBITMQ_URL as a list of broker nodes', () => {
  it('takes the URLs of a cluster’s nodes separated by commas, as given', () => {
    const list = [node(5681), node(5683), node(5685)].join(',');
    expect(problemsOf(list)).toEqual([]);
    expect(loadConfig(BaseAppConfig, { RABBITMQ_URL: list, DATABASE_URL }).RABBITMQ_URL).toBe(list);
  });

  it('refuses a list with an entry that is not an AMQP URL, or an empty entry', () => {
    expect(problemsOf(`${node(5681)},http://127.0.0.1:5683`)).toEqual([
      expect.stringMatching(/^RABBITMQ_URL: must be an amqp:\/\/ or amqps:\/\/ URL, or several/),
    ]);
    expect(problemsOf(`${node(5681)},,${node(5683)}`)).toHaveLength(1);
  });

  it('refuses nodes reached as different users', () => {
    expect(problemsOf(`${node(5681)},${node(5683, 'croydon-mc')}`)).toEqual([
      expect.stringMatching(/^RABBITMQ_URL: lists broker URLs with different users/),
    ]);
  });
});
