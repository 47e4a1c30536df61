export * from './config/load-config';
export * from './config/base-app.config';
export * from './platform.tokens';
export * from './platform.module';
export * from './transport-registry';
export * from './http/operation-outcome.filter';
export * from './bootstrap';
export * from './adapter';
