/** Stops what the global set-up started. */
export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __cstrStack?: { stop(): Promise<void> } }).__cstrStack?.stop();
}
