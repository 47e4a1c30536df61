import 'reflect-metadata';
import { runApp } from '@cstr/platform';
import { ndeliusAdapterApp } from './ndelius-adapter.app';

runApp(ndeliusAdapterApp);
