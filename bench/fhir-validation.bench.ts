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
import { percentile } from '@cstr/testing';
import { benchOptions, runBench } from './bench-kit';

const OPTIONS = benchOptions({ iterations: 20_000, seconds: 20, warmup: 300 });
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

interface Measured {
  readonly durations: readonly number[];
  readonly wallMs: number;
  readonly cpuUsedMs: number;
}

/** Loads the kit and validates the event once (both timed); a benchmark event that is not valid ends the run. */
function loadAndCheck(bundle: unknown): { loadMs: number; firstMs: number } {
  let started = performance.now();
  ukCoreKit();
  const loadMs = performance.now() - started;
  started = performance.now();
  const errors = errorsOf(validateMessageBundle(bundle));
  const firstMs = performance.now() - started;
  if (errors.length > 0) throw new Error(`The benchmark event is not valid: ${JSON.stringify(errors, null, 2)}`);
  return { loadMs, firstMs };
}

/** Validates the event again and again until --iterations or --seconds, timing each validation. */
function measure(bundle: unknown): Measured {
  for (let i = 0; i < OPTIONS.warmup; i++) validateMessageBundle(bundle);
  const durations: number[] = [];
  const deadline = performance.now() + OPTIONS.seconds * 1000;
  const cpuStart = cpuMs();
  const wallStart = performance.now();
  while (durations.length < OPTIONS.iterations && performance.now() < deadline) {
    const before = performance.now();
    validateMessageBundle(bundle);
    durations.push(performance.now() - before);
  }
  return { durations, wallMs: performance.now() - wallStart, cpuUsedMs: cpuMs() - cpuStart };
}

function main(): void {
  const bundle = JSON.parse(readFileSync(FIXTURE, 'utf8')) as { entry: unknown[] };
  const { loadMs, firstMs } = loadAndCheck(bundle);
  const { durations, wallMs, cpuUsedMs } = measure(bundle);
  const sorted = [...durations].sort((a, b) => a - b);
  const result = {
    validations_s: Math.round((durations.length / wallMs) * 1000),
    validations_cpu_s: Math.round((durations.length / cpuUsedMs) * 1000),
    entries: bundle.entry.length,
    ms_per_bundle_p50: Number(percentile(sorted, 50).toFixed(3)),
    ms_per_bundle_p99: Number(percentile(sorted, 99).toFixed(3)),
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

runBench(main);
