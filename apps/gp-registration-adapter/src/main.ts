import 'reflect-metadata';
import { runApp } from '@cstr/platform';
import { gpRegistrationAdapterApp } from './gp-registration-adapter.app';

runApp(gpRegistrationAdapterApp);
