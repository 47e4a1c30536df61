import 'reflect-metadata';
import { partnerAdapter, runApp } from '@cstr/platform';
import { NdeliusAdapterModule } from './ndelius-adapter.module';

runApp(partnerAdapter('ndelius-adapter', NdeliusAdapterModule));
