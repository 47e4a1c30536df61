import 'reflect-metadata';
import { partnerAdapter, runApp } from '@cstr/platform';
import { HmctsListingsAdapterModule } from './hmcts-listings-adapter.module';

runApp(partnerAdapter('hmcts-listings-adapter', HmctsListingsAdapterModule));
