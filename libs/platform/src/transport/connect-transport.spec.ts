import { Controller, Logger, Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventPattern, Server, type CustomTransportStrategy } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import { QueryFailedError } from 'typeorm';
import { connectTransport } from './connect-transport';

const NHS_NUMBER = '9434765919';

/** What a handler throws when a statement fails: the parameters and the driver's detail hold personal data. */
function failedQuery(): QueryFailedError {
  const driverError = Object.assign(new Error('duplicate key value violates unique constraint "person_pkey"'), {
    severity: 'ERROR',
    code: '23505',
    detail: `Key (nhs_number)=(${NHS_NUMBER}) already exists.`,
  });
  return new QueryFailedError('INSERT INTO person (nhs_number) VALUES ($1)', [NHS_NUMBER], driverError);
}

@Controller()
class FailingController {
  @EventPattern('person.seen')
  handle(): never {
    throw failedQuery();
  }
}

@Module({ controllers: [FailingController] })
class FailingModule {}

/** A transport without a broker: the test calls a handler as the AMQP transport does. */
class InProcessTransport extends Server implements CustomTransportStrategy {
  listen(callback: () => void): void {
    callback();
  }

  close(): void {
    // Nothing to close.
  }

  on(): void {
    // No events.
  }

  unwrap<T>(): T {
    return undefined as T;
  }

  async call(pattern: string, body: unknown): Promise<unknown> {
    const handler = this.getHandlerByPattern(pattern);
    if (!handler) throw new Error(`No handler for ${pattern}`);
    return lastValueFrom(this.transformToObservable(await handler(body)), { defaultValue: undefined });
  }
}

describe('connectTransport', () => {
  let app: INestApplication;
  const logged: string[] = [];

  beforeAll(async () => {
    const keep = (...args: unknown[]): void => void logged.push(args.map(String).join(' '));
    for (const level of ['error', 'warn', 'log'] as const) jest.spyOn(Logger.prototype, level).mockImplementation(keep);
    jest.spyOn(Logger, 'error').mockImplementation(keep);
    app = await NestFactory.create(FailingModule, { logger: false });
  });

  afterAll(async () => {
    await app.close();
    jest.restoreAllMocks();
  });

  it("hands a handler's error to the transport as thrown, and Nest logs nothing of it", async () => {
    const transport = new InProcessTransport();
    connectTransport(app, transport);
    await app.startAllMicroservices();
    await app.init();
    await expect(transport.call('person.seen', {})).rejects.toBeInstanceOf(QueryFailedError);
    expect(logged.filter((line) => line.includes(NHS_NUMBER) || line.includes('QueryFailedError'))).toEqual([]);
    expect(logged.filter((line) => line.includes('Cannot apply global exception filters'))).toEqual([]);
  });
});
