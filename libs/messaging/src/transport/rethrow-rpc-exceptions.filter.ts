import { Catch, RpcExceptionFilter } from '@nestjs/common';
import { Observable, throwError } from 'rxjs';

/**
 * Lets a handler's error reach {@link AmqpTransport} as thrown, so its class and message become
 * the retry or dead-letter reason. (Nest's default RPC filter replaces every unknown error with
 * a bare "Internal server error".) Register it on every microservice that uses the transport.
 */
@Catch()
export class RethrowRpcExceptionsFilter implements RpcExceptionFilter<unknown> {
  catch(exception: unknown): Observable<never> {
    return throwError(() => exception);
  }
}
