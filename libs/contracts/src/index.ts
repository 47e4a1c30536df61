export * from './broker-names';
export * from './event-types';
export * from './amqp-properties';
export * from './operation-outcome';
