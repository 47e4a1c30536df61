import 'reflect-metadata';
import { partnerAdapter, runApp } from '@cstr/platform';
import { SecondaryCareAdapterModule } from './secondary-care-adapter.module';

runApp(partnerAdapter('secondary-care-adapter', SecondaryCareAdapterModule));
