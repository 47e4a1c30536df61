import type { Request } from 'express';
import type { SandboxSettings } from './sandbox-settings';

/** The sandbox's base URL as the caller reached it (or `SANDBOX_PUBLIC_URL`), without a trailing slash. */
export function publicBaseUrl(request: Request, settings: SandboxSettings): string {
  return settings.publicUrl ?? `${request.protocol}://${request.get('host') ?? '127.0.0.1'}`;
}
