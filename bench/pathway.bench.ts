/**
 * Non-attendance latency through the whole system (SPEC §1 step 6, service specification rows
 * 5–6): a missed session recorded on the provider's FHIR server → secondary-care adapter → hub →
 * ndelius adapter → an AFTA contact at the Delius stand-in. The hub, the sandbox and one adapter
 * per partner run in this process against the benchmark's own broker and database.
 *
 *   npm run bench:pathway [-- --count 200 --rate 10]
 *
 * Prints p50/p99/max; the last line is one JSON object
 * `{"missed_appointments", "p50_ms", "p99_ms", "max_ms"}`.
 */
import { ensureIntegrationStack, percentile } from '@cstr/testing';
import {
  CROYDON,
  SLAM,
  measureNonAttendance,
  personInTreatment,
  startPathwaySystem,
} from '../test/pathway/pathway-kit';
import { benchOptions, runBench } from './bench-kit';

async function main(): Promise<void> {
  const { count, rate } = benchOptions({ count: 200, rate: 10 });
  const stack = await ensureIntegrationStack('bench');
  try {
    const system = await startPathwaySystem(stack);
    try {
      const subject = await personInTreatment(system, CROYDON);
      // A few to warm up (first connections, compiled paths), not measured.
      await measureNonAttendance(system, CROYDON, SLAM, subject, 5, rate, 30_000);
      const latencies = await measureNonAttendance(
        system,
        CROYDON,
        SLAM,
        subject,
        count,
        rate,
        120_000 + (count / rate) * 1_000,
      );
      const result = {
        missed_appointments: latencies.length,
        p50_ms: percentile(latencies, 50),
        p99_ms: percentile(latencies, 99),
        max_ms: latencies[latencies.length - 1],
      };
      console.log(
        `non-attendance latency, ${count} missed appointments at ${rate}/s: p50 ${result.p50_ms} ms, p99 ${result.p99_ms} ms, max ${result.max_ms} ms`,
      );
      console.log(JSON.stringify(result));
    } finally {
      await system.stop();
    }
  } finally {
    await stack.stop();
  }
}

runBench(main);
