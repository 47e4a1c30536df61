import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { Registry } from 'prom-client';
import { parse } from 'yaml';
import { registerDeadLetterMetrics } from '../dead-letters/dead-letter-metrics';
import { HubMetrics } from './hub-metrics';

const ALERTS = join(__dirname, '../../../../config/alerts');
const RULES_FILE = join(ALERTS, 'cstr-hub.rules.yml');
const RULES_TEST_FILE = join(ALERTS, 'cstr-hub.rules.test.yml');
const DASHBOARD_FILE = join(ALERTS, 'cstr-hub-dashboard.json');

/**
 * The rabbitmq_prometheus plugin's queue metrics the rules and dashboard may use, as its detailed
 * endpoint names them (families queue_coarse_metrics and queue_consumer_count; RabbitMQ 3.10+).
 */
const RABBITMQ_METRICS = new Set(
  ['queue_messages_ready', 'queue_messages_unacked', 'queue_messages', 'queue_consumers'].map(
    (name) => `rabbitmq_detailed_${name}`,
  ),
);

/** PromQL words that are not metric names. */
const KEYWORDS = new Set([
  'and',
  'or',
  'unless',
  'by',
  'on',
  'without',
  'ignoring',
  'offset',
  'bool',
  'group_left',
  'group_right',
  'inf',
  'nan',
]);

interface Rule {
  readonly record?: string;
  readonly alert?: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
}

const rules = (): Rule[] =>
  (parse(readFileSync(RULES_FILE, 'utf8')) as { groups: { rules: Rule[] }[] }).groups.flatMap((group) => group.rules);

const dashboardExpressions = (): string[] =>
  (JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as { panels: { targets?: { expr: string }[] }[] }).panels.flatMap(
    (panel) => (panel.targets ?? []).map((target) => target.expr),
  );

/**
 * The metric names a PromQL expression selects: what is left once strings, label matchers, range
 * and subquery brackets, grouping clauses, function calls, keywords and numbers are taken out.
 */
export function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|on|without|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  for (const match of bare.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const token = match[0];
    const before = bare[match.index - 1];
    const after = bare.slice(match.index + token.length).trimStart();
    // A function call, or part of a number (1e3) or a duration (1w): not a name.
    if (after.startsWith('(') || (before !== undefined && /[0-9.]/.test(before))) continue;
    if (!KEYWORDS.has(token.toLowerCase())) names.add(token);
  }
  return [...names];
}

/** Every metric the hub serves at GET /metrics: its core metrics, process metrics and the dead-letter gauges. */
async function hubMetricNames(): Promise<Set<string>> {
  const metrics = new HubMetrics(
    () => true,
    () => true,
  );
  // The verification gauges appear with the first verdict.
  metrics.auditVerified(true, new Date());
  const deadLetters = new Registry();
  registerDeadLetterMetrics(deadLetters, {
    drained: [],
    pendingByQueue: async () => [],
    oldestPendingByQueue: async () => [],
    brokerDepth: async () => undefined,
  });
  const names = new Set<string>();
  for (const registry of [metrics.registry, deadLetters]) {
    for (const metric of await registry.getMetricsAsJSON()) {
      names.add(metric.name);
      if (String(metric.type) === 'histogram')
        for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${metric.name}${suffix}`);
    }
  }
  return names;
}

function promtool(): string | undefined {
  return (process.env.PATH ?? '')
    .split(delimiter)
    .map((dir) => join(dir, 'promtool'))
    .find((path) => existsSync(path));
}

describe('the alert rules and the Grafana dashboard (config/alerts)', () => {
  it('finds the metric names of PromQL expressions', () => {
    expect(
      metricNames(
        'sum by (queue) (rate(cstr_x_total{queue!~".*[.]retry"}[5m])) > 3 * (cstr:y offset 1w) and on (vhost) z == 0 or absent(w)',
      ).sort(),
    ).toEqual(['cstr:y', 'cstr_x_total', 'w', 'z']);
    expect(metricNames('time() - max(a_seconds) > 3 * 3600 and clamp_min(b, 1e3)').sort()).toEqual(['a_seconds', 'b']);
  });

  it('uses only metrics the hub registers, RabbitMQ plugin metrics, or series its own rules record', async () => {
    const known = await hubMetricNames();
    const recorded = new Set(rules().flatMap((rule) => (rule.record ? [rule.record] : [])));
    const expressions = [...rules().map((rule) => rule.expr), ...dashboardExpressions()];
    expect(expressions.length).toBeGreaterThan(20);
    const used = new Set(expressions.flatMap(metricNames));
    const unknown = [...used].filter((name) => !known.has(name) && !RABBITMQ_METRICS.has(name) && !recorded.has(name));
    expect(unknown).toEqual([]);
    // The five things the operators asked to be alerted on each have a rule.
    const alerts = rules().filter((rule) => rule.alert);
    for (const metric of [
      'cstr_hub_dead_letters_pending',
      'rabbitmq_detailed_queue_messages_ready',
      'cstr:events_refused:rate10m',
      'cstr_hub_audit_verify_ok',
      'cstr:partner_silence_seconds',
    ])
      expect(alerts.filter((rule) => metricNames(rule.expr).includes(metric)).map((rule) => rule.alert)).not.toEqual(
        [],
      );
    for (const rule of alerts) {
      expect({ alert: rule.alert, severity: rule.labels?.severity }).toEqual({
        alert: rule.alert,
        severity: expect.stringMatching(/^(warning|critical)$/),
      });
      expect(rule.annotations?.summary).toEqual(expect.any(String));
    }
  });

  it('passes promtool check rules and its unit tests (promtool test rules) where promtool is installed', () => {
    const binary = promtool();
    // Without promtool (scripts/ensure-deps.sh installs Debian's prometheus package), the parser test above is the check.
    if (binary === undefined) {
      expect(rules().length).toBeGreaterThan(0);
      return;
    }
    for (const args of [
      ['check', 'rules', RULES_FILE],
      ['test', 'rules', RULES_TEST_FILE],
    ]) {
      const run = spawnSync(binary, args, { encoding: 'utf8', cwd: ALERTS });
      expect({ args, status: run.status, output: `${run.stdout}${run.stderr}` }).toEqual({
        args,
        status: 0,
        output: expect.stringContaining('SUCCESS'),
      });
    }
  });
});
