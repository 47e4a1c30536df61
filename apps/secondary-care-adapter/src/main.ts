import 'reflect-metadata';
import { runApp } from '@cstr/platform';
import { secondaryCareAdapterApp } from './secondary-care-adapter.app';

runApp(secondaryCareAdapterApp);
