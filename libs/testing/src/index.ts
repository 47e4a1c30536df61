export * from './harness/test-env';
export * from './harness/eventually';
export * from './harness/broker-fixture';
export * from './harness/database-fixture';
export * from './harness/child-process';
export * from './harness/integration-stack';
export * from './local-stack';
export * from './system';
