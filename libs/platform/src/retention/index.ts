/** Retention: the checked `config/retention.yaml` and the batched purge of due rows. */
export * from './retention-config';
export * from './delete-due-rows';
