export * from './england-and-wales-bank-holidays';
export * from './working-days';
