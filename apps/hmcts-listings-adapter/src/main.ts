import 'reflect-metadata';
import { runApp } from '@cstr/platform';
import { hmctsListingsAdapterApp } from './hmcts-listings-adapter.app';

runApp(hmctsListingsAdapterApp);
