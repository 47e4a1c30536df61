import 'reflect-metadata';
import { partnerAdapter, runApp } from '@cstr/platform';
import { GpRegistrationAdapterModule } from './gp-registration-adapter.module';

runApp(partnerAdapter('gp-registration-adapter', GpRegistrationAdapterModule));
