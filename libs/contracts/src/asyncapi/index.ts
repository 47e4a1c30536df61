export * from './asyncapi-document.builder';
export * from './asyncapi-yaml';
