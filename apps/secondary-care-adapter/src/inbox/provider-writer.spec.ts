import type { FhirResource } from 'fhir/r4';
import type { FhirCallResult, ProviderFhirWriter } from '../provider/provider-fhir.client';
import { executeProviderWrites } from './provider-writer';
import type { ProviderWritePlan } from './provider-writes';

const plan: ProviderWritePlan = {
  kind: 'writes',
  patient: { query: 'identifier=nhs|1', build: () => ({ resourceType: 'Patient' }) },
  then: [
    {
      role: 'serviceRequest',
      query: 'identifier=event|e',
      build: (ids) => ({
        resourceType: 'ServiceRequest',
        status: 'active',
        intent: 'order',
        subject: { reference: `Patient/${ids.patient}` },
      }),
    },
    {
      query: 'identifier=event|e',
      build: (ids) => ({
        resourceType: 'Task',
        status: 'requested',
        intent: 'order',
        focus: { reference: `ServiceRequest/${ids.serviceRequest}` },
      }),
    },
  ],
};

/** A writer answering each call with the next result, giving created resources ids `id1`, `id2`, … */
function fakeWriter(...failures: (FhirCallResult<never> | undefined)[]) {
  const written: { resource: FhirResource; query: string }[] = [];
  const writer: ProviderFhirWriter = {
    async conditionalCreate<T extends FhirResource>(resource: T, query: string): Promise<FhirCallResult<T>> {
      written.push({ resource, query });
      return failures[written.length - 1] ?? { kind: 'ok', resource: { ...resource, id: `id${written.length}` } };
    },
  };
  return { writer, written };
}

describe('executeProviderWrites', () => {
  it('creates in order, linking each resource to the ids the server gave the earlier ones', async () => {
    const { writer, written } = fakeWriter();
    await expect(executeProviderWrites(writer, plan)).resolves.toEqual({ kind: 'done' });
    expect(written.map((call) => call.resource.resourceType)).toEqual(['Patient', 'ServiceRequest', 'Task']);
    expect(written[1].resource).toMatchObject({ subject: { reference: 'Patient/id1' } });
    expect(written[2].resource).toMatchObject({ focus: { reference: 'ServiceRequest/id2' } });
    expect(written.map((call) => call.query)).toEqual(['identifier=nhs|1', 'identifier=event|e', 'identifier=event|e']);
  });

  it('retries later when the server is unavailable, stopping at the failed step', async () => {
    const { writer, written } = fakeWriter(undefined, { kind: 'unavailable', reason: 'The FHIR server answered 503.' });
    await expect(executeProviderWrites(writer, plan)).resolves.toMatchObject({ kind: 'retry' });
    expect(written).toHaveLength(2);
  });

  it('dead-letters what the server refuses', async () => {
    const { writer } = fakeWriter({ kind: 'rejected', status: 412, reason: 'The FHIR server answered 412.' });
    await expect(executeProviderWrites(writer, plan)).resolves.toMatchObject({
      kind: 'dead-letter',
      code: 'rejected-by-provider',
    });
  });

  it('is done without calling the server when nothing in the event is for this provider', async () => {
    const { writer, written } = fakeWriter();
    await expect(
      executeProviderWrites(writer, { kind: 'nothing-for-provider', code: 'nothing-for-provider', reason: 'none' }),
    ).resolves.toEqual({
      kind: 'done',
    });
    expect(written).toHaveLength(0);
  });

  it('dead-letters an unusable plan without calling the server', async () => {
    const { writer, written } = fakeWriter();
    await expect(
      executeProviderWrites(writer, { kind: 'unusable', code: 'no-person-identifier', reason: 'none' }),
    ).resolves.toMatchObject({
      kind: 'dead-letter',
      code: 'no-person-identifier',
    });
    expect(written).toHaveLength(0);
  });
});
