import { Module } from '@nestjs/common';

/**
 * Stand-ins for the five partner systems (Common Platform, L&D, Delius API, a FHIR R4 server,
 * a PDS-style service); they arrive with the adapters issue.
 */
@Module({})
export class PartnerSandboxModule {}
