import { Controller, Get, Header, Inject, Query } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { HubPolicy } from '../core/hub-policy';
import { onlyParams, type QueryParams } from '../http/query-params';
import { registerEntries, registerHtml, type RegisterEntry } from './agreement-register';

/** No script, no form, nothing from elsewhere: the page is read-only text. */
const REGISTER_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': "default-src 'none'; style-src 'self'; base-uri 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

/**
 * The public register of the agreements in force (issue 14): purpose, parties, legal basis and
 * period, for anyone, without signing in — the one part of the hub besides `/health` that is
 * open. It shows nothing else of an agreement: no allow-lists, YAML, notes or names of users.
 */
@ApiExcludeController()
@Controller('register')
export class AgreementRegisterController {
  constructor(@Inject(HubPolicy) private readonly policy: HubPolicy) {}

  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Content-Security-Policy', REGISTER_HEADERS['Content-Security-Policy'])
  @Header('X-Content-Type-Options', REGISTER_HEADERS['X-Content-Type-Options'])
  @Header('Referrer-Policy', REGISTER_HEADERS['Referrer-Policy'])
  page(@Query() query: QueryParams): string {
    onlyParams(query, []);
    const today = new Date().toISOString().slice(0, 10);
    return registerHtml(this.entries(today), today);
  }

  @Get('agreements')
  @Header('X-Content-Type-Options', REGISTER_HEADERS['X-Content-Type-Options'])
  list(@Query() query: QueryParams): { agreements: RegisterEntry[] } {
    onlyParams(query, []);
    return { agreements: this.entries(new Date().toISOString().slice(0, 10)) };
  }

  private entries(today: string): RegisterEntry[] {
    return registerEntries(this.policy.agreements, this.policy.partners, today);
  }
}
