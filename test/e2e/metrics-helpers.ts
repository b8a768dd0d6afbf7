import type { AppProcess } from '../support/app-process.js';
import type { FakePolyAI } from '../support/fake-polyai.js';
import type { FakeSlack } from '../support/fake-slack.js';
import { sleep } from '../support/wait.js';

/** One sample of a scrape: metric name, labels, value. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** `GET path` on an instance: status, content type and body. */
export async function getRoute(app: AppProcess, path: string) {
  const res = await fetch(`${app.url}${path}`, { signal: AbortSignal.timeout(3000) });
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.text() };
}

/** Parses the Prometheus text format (the subset prom-client writes). */
export function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match === null) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[key as string] = value as string;
    }
    samples.push({ name: match[1] as string, labels, value: Number(match[3]) });
  }
  return samples;
}

export async function scrape(app: AppProcess): Promise<Sample[]> {
  const { status, body } = await getRoute(app, '/metrics');
  if (status !== 200) throw new Error(`/metrics answered ${status}`);
  return parseMetrics(body);
}

/** A metric's samples summed per value of `keys`, over every instance: "labelA|labelB" → sum. */
export async function totals(apps: AppProcess[], name: string, keys: string[] = []): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const samples of await Promise.all(apps.map(scrape))) {
    for (const s of samples.filter((x) => x.name === name && x.value !== 0)) {
      const key = keys.map((k) => s.labels[k] ?? '').join('|');
      out[key] = (out[key] ?? 0) + s.value;
    }
  }
  return out;
}

function tally<T>(items: T[], key: (item: T) => string | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of items) {
    const k = key(item);
    if (k !== undefined) out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}

/** What the fake Slack answered, per "method|result" in the app's labels (`rename` buckets unknown error codes). */
export function slackSeen(slack: FakeSlack, rename: Record<string, string> = {}): Record<string, number> {
  return tally(slack.calls, (c) => {
    const result = c.status === 429 ? 'rate_limited' : c.response.ok ? 'ok' : String(c.response.error);
    return `${c.method}|${rename[result] ?? result}`;
  });
}

/** The fake's operation names where they differ from the schema's operationIds. */
const OPERATION_IDS: Record<string, string> = { getAudio: 'getConversationAudio' };

/** What the fake PolyAI answered, per "operation|status"; a request it never answered is the app's `timeout`. */
export function polyaiSeen(polyai: FakePolyAI): Record<string, number> {
  return tally(polyai.requests, (r) => `${OPERATION_IDS[r.op] ?? r.op}|${r.status ?? 'timeout'}`);
}

/** Polls until `actual()` equals `expected()` (work still finishing), then returns the last pair to assert on. */
export async function whenSettled(
  actual: () => Promise<Record<string, number>>,
  expected: () => Record<string, number>,
  timeoutMs = 8000,
): Promise<{ actual: Record<string, number>; expected: Record<string, number> }> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const pair = { actual: await actual(), expected: expected() };
    if (JSON.stringify(sorted(pair.actual)) === JSON.stringify(sorted(pair.expected))) return pair;
    if (performance.now() > deadline) return pair;
    await sleep(100);
  }
}

function sorted(record: Record<string, number>): [string, number][] {
  return Object.entries(record).sort(([a], [b]) => (a < b ? -1 : 1));
}
