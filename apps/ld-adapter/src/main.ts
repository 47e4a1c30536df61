import 'reflect-metadata';
import { runApp } from '@cstr/platform';
import { ldAdapterApp } from './ld-adapter.app';

runApp(ldAdapterApp);
