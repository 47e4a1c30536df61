import {
  BadRequestException,
  HttpException,
  PayloadTooLargeException,
  UnsupportedMediaTypeException,
} from '@nestjs/common';
import { asHttpException, jsonBodyLimitBytes } from './hub-http.setup';

describe('body-parser errors as HTTP exceptions', () => {
  const parserError = (status: number, type: string): Error =>
    Object.assign(new Error('raw parser message'), { status, type });

  it('maps the parser failures to the HTTP errors they stand for, without the raw message', () => {
    expect(asHttpException(parserError(413, 'entity.too.large'))).toBeInstanceOf(PayloadTooLargeException);
    expect(asHttpException(parserError(415, 'charset.unsupported'))).toBeInstanceOf(UnsupportedMediaTypeException);
    const malformed = asHttpException(parserError(400, 'entity.parse.failed'));
    expect(malformed).toBeInstanceOf(BadRequestException);
    expect((malformed as HttpException).message).toBe('The request body is not well-formed JSON.');
    expect((asHttpException(parserError(400, 'request.aborted')) as HttpException).message).toBe(
      'The request body could not be read.',
    );
    expect((asHttpException(parserError(411, 'request.size.invalid')) as HttpException).getStatus()).toBe(411);
  });

  it('leaves other errors alone (they stay 500s, logged)', () => {
    const bug = new TypeError('a bug');
    expect(asHttpException(bug)).toBe(bug);
    const serverSide = parserError(500, 'stream.not.readable');
    expect(asHttpException(serverSide)).toBe(serverSide);
    const already = new BadRequestException('x');
    expect(asHttpException(already)).toBe(already);
    expect(asHttpException('text')).toBe('text');
  });
});

describe('jsonBodyLimitBytes', () => {
  it('is HTTP_BODY_LIMIT, never above MAX_MESSAGE_BYTES (what hub.ingress accepts)', () => {
    expect(jsonBodyLimitBytes({ HTTP_BODY_LIMIT: '1mb', MAX_MESSAGE_BYTES: 1_048_576 })).toBe(1_048_576);
    expect(jsonBodyLimitBytes({ HTTP_BODY_LIMIT: '5mb', MAX_MESSAGE_BYTES: 1_048_576 })).toBe(1_048_576);
    expect(jsonBodyLimitBytes({ HTTP_BODY_LIMIT: '512kb', MAX_MESSAGE_BYTES: 1_048_576 })).toBe(524_288);
    expect(jsonBodyLimitBytes({ HTTP_BODY_LIMIT: '1mb', MAX_MESSAGE_BYTES: 2048 })).toBe(2048);
  });
});
