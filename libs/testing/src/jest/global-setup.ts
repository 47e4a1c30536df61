import 'reflect-metadata';
// Jest loads this file outside its module system, so the @cstr/* aliases need registering here.
import * as path from 'node:path';
import { register } from 'tsconfig-paths';
import { compilerOptions } from '../../../../tsconfig.json';

register({ baseUrl: path.resolve(__dirname, '../../../..'), paths: compilerOptions.paths });

/** Starts (or connects to) the broker and database of the integration tests, once per run. */
export default async function globalSetup(): Promise<void> {
  // Required after the aliases are registered.
  const { ensureIntegrationStack, exportTestEnvironment } = await import('../harness/integration-stack');
  const stack = await ensureIntegrationStack('test');
  exportTestEnvironment(stack);
  (globalThis as { __cstrStack?: { stop(): Promise<void> } }).__cstrStack = stack;
}
