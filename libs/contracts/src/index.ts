export * from './broker-names';
export * from './event-types';
export * from './amqp-properties';
export * from './operation-outcome';
export * from './event-catalogue';
export * from './asyncapi';
export * from './code-systems';
export * from './partner-endpoint';
