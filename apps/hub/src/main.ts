import 'reflect-metadata';
import { runApp } from '@cstr/platform';
import { hubApp } from './hub.app';

runApp(hubApp);
