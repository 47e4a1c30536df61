import { createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';
import type { Principal, Role } from './roles';

/** Metadata key of {@link Roles}. */
export const ROLES_KEY = 'cstr:roles';

/** The roles allowed to call an endpoint (any one of them suffices). Enforced by `AuthGuard`. */
export const Roles = (...roles: Role[]): MethodDecorator & ClassDecorator => SetMetadata(ROLES_KEY, roles);

/** Request property where `AuthGuard` puts the authenticated principal. */
export const PRINCIPAL_PROPERTY = 'cstrPrincipal';

/** The authenticated principal of the request (set by `AuthGuard`). */
export const CurrentPrincipal = createParamDecorator((_: unknown, context: ExecutionContext): Principal => {
  return context.switchToHttp().getRequest<Record<string, unknown>>()[PRINCIPAL_PROPERTY] as Principal;
});
