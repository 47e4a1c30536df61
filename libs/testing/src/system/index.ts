export * from './apps-under-test';
export * from './free-port';
export * from './hub-deliveries';
export * from './ingress-tap';
export * from './partners-file';
export * from './pathway-system';
export * from './sandbox-process';
export * from './schemas';
