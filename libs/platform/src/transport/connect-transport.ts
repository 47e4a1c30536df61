import type { INestApplication, INestMicroservice } from '@nestjs/common';
import type { CustomTransportStrategy, NestMicroservice, Server } from '@nestjs/microservices';
import { RethrowRpcExceptionsFilter } from '@cstr/messaging';

/**
 * Connects `transport` to `app` as its microservice, with {@link RethrowRpcExceptionsFilter} in
 * force. Nest builds a microservice's handlers, with the global filters registered by then, as
 * soon as it is connected — unless its set-up is deferred to `startAllMicroservices`, as here.
 * Registered any later, the filter would not apply: Nest's default one would log every error a
 * handler throws whole (a failed query's parameters and detail included) and hand the transport
 * a bare "Internal server error" instead of the error.
 */
export function connectTransport(
  app: INestApplication,
  transport: Server & CustomTransportStrategy,
): INestMicroservice {
  // Not inheriting the HTTP app's config: its filters speak HTTP.
  const microservice = app.connectMicroservice<object>(
    { strategy: transport },
    { deferInitialization: true },
  ) as NestMicroservice;
  microservice.useGlobalFilters(new RethrowRpcExceptionsFilter());
  // The HTTP app runs the lifecycle hooks (`app.init`); the microservice must not run them again.
  microservice.setIsInitHookCalled(true);
  return microservice;
}
