import { Controller, Get, Header } from '@nestjs/common';
import { SnsSigner } from './sns-signer';

/** `GET /sandbox/sns/SimpleNotificationService-sandbox.pem`: the certificate of the Delius stand-in's SNS signatures. */
@Controller('sandbox/sns')
export class SnsCertificateController {
  constructor(private readonly signer: SnsSigner) {}

  @Get('SimpleNotificationService-sandbox.pem')
  @Header('Content-Type', 'application/x-pem-file')
  certificate(): string {
    return this.signer.certificatePem;
  }
}
