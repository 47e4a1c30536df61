import 'reflect-metadata';
import { runApp } from '@cstr/platform';
import { partnerSandboxApp } from './partner-sandbox.app';

runApp(partnerSandboxApp);
