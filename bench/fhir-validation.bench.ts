/**
 * FHIR validation benchmark: one realistic event — a ten-entry message Bundle (MessageHeader,
 * Patient, ServiceRequest, Task, Appointment, Observation, Flag, Consent, Encounter,
 * Organization, adapted from the UK Core examples) — validated again and again on one core with
 * validateMessageBundle, as the hub does for every incoming event.
 *
 * Loads the kit, warms up, then runs until --iterations or --seconds, whichever comes first.
 * Throughput is by wall clock and by this process's CPU time (the second is steadier on a shared
 * machine). The last line is one JSON object with the figures.
 *
 *   npm run bench:fhir [-- --iterations 20000 --seconds 20 --warmup 300]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { errorsOf, ukCoreKit, validateMessageBundle } from '@cstr/fhir';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i].replace(/^--/, ''), process.argv[i + 1]);
const ITERATIONS = Number(args.get('iterations') ?? 20_000);
const SECONDS = Number(args.get('seconds') ?? 20);
const WARMUP = Number(args.get('warmup') ?? 300);
const FIXTURE = join(
  __dirname,
  '..',
  'libs',
  'fhir',
  'test',
  'validation',
  'fixtures',
  'treatment-appointment-missed.bundle.json',
);

function cpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

function percentile(sorted: number[], q: number): number {
  return Number(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))].toFixed(3));
}

function main(): void {
  const bundle = JSON.parse(readFileSync(FIXTURE, 'utf8')) as { entry: unknown[] };

  let started = performance.now();
  ukCoreKit();
  const loadMs = performance.now() - started;
  started = performance.now();
  const first = validateMessageBundle(bundle);
  const firstMs = performance.now() - started;
  const errors = errorsOf(first);
  if (errors.length > 0) {
    console.error('The benchmark event is not valid:', JSON.stringify(errors, null, 2));
    process.exit(1);
  }
  for (let i = 0; i < WARMUP; i++) validateMessageBundle(bundle);

  const durations: number[] = [];
  const deadline = performance.now() + SECONDS * 1000;
  const cpuStart = cpuMs();
  const wallStart = performance.now();
  while (durations.length < ITERATIONS && performance.now() < deadline) {
    const before = performance.now();
    validateMessageBundle(bundle);
    durations.push(performance.now() - before);
  }
  const wallMs = performance.now() - wallStart;
  const cpuUsedMs = cpuMs() - cpuStart;

  const sorted = [...durations].sort((a, b) => a - b);
  const result = {
    validations_s: Math.round((durations.length / wallMs) * 1000),
    validations_cpu_s: Math.round((durations.length / cpuUsedMs) * 1000),
    entries: bundle.entry.length,
    ms_per_bundle_p50: percentile(sorted, 0.5),
    ms_per_bundle_p99: percentile(sorted, 0.99),
    iterations: durations.length,
    kit_load_ms: Math.round(loadMs),
    first_validation_ms: Math.round(firstMs),
  };
  console.log(
    `kit loaded in ${result.kit_load_ms} ms; first validation (expands ValueSets, loads base terminology) ${result.first_validation_ms} ms`,
  );
  console.log(
    `${result.iterations} validations of a ${result.entries}-entry message Bundle in ${(wallMs / 1000).toFixed(1)} s wall, ${(cpuUsedMs / 1000).toFixed(1)} s CPU`,
  );
  console.log(
    `throughput: ${result.validations_s}/s by wall clock, ${result.validations_cpu_s}/s per CPU second; latency p50 ${result.ms_per_bundle_p50} ms, p99 ${result.ms_per_bundle_p99} ms`,
  );
  console.log(JSON.stringify(result));
}

main();
