import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { ConsoleAssets } from './console-assets';
import { ConsoleController } from './console.controller';

/** The web console at `/console`: static pages served by the hub, calling its JSON API. */
@Module({
  imports: [AuthModule],
  controllers: [ConsoleController],
  providers: [{ provide: ConsoleAssets, useFactory: () => new ConsoleAssets() }],
})
export class ConsoleModule {}
