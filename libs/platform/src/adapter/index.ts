/** Plumbing every partner adapter shares. */
export * from './ingress-publisher';
export * from './payload-event-ids';
export * from './auth';
export * from './inbox-acknowledgements';
