import 'reflect-metadata';
import { partnerAdapter, runApp } from '@cstr/platform';
import { LdAdapterModule } from './ld-adapter.module';

runApp(partnerAdapter('ld-adapter', LdAdapterModule));
