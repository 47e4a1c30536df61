export * from './local-rabbitmq';
export * from './local-postgres';
export * from './local-stack';
export * from './local-tls';
export { LocalStackCommandError } from './processes';
export * from './project-root';
export * from './database-apps';
export * from './local-rabbitmq-cluster';
