/**
 * `npm run bench`: the built app (dist/) against the project's local fakes, with PolyAI answering
 * every debug-chat request after a fixed 50 ms, beside the same flow in plain Bolt
 * (bench/plain-bolt.ts). Each figure is the median of ROUNDS rounds; within a round each setup
 * (polychat on SQLite, the plain relay, two polychat instances on Redis) runs in turn, in a
 * rotated order, so a machine that gets busier or quieter meanwhile weighs on all of them alike.
 * Prints one JSON object on stdout; progress goes to stderr. `BENCH_ROUNDS` changes the rounds.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type AppEnv, type AppProcess, startApp, testEnv } from '../test/support/app-process.js';
import { type FakePolyAI, makeConversation, startFakePolyAI } from '../test/support/fake-polyai.js';
import { type FakeSlack, startFakeSlack } from '../test/support/fake-slack.js';
import { REDIS_SERVER, startRedisServer } from '../test/support/redis-server.js';
import { SlackDriver } from '../test/support/slack-requests.js';
import { sleep, waitUntil } from '../test/support/wait.js';

const POLYAI_LATENCY_MS = 50;
const COMMANDS = 200;
const COMMAND_CONCURRENCY = 20;
const THREADS = 50;
const TURNS = 200;
const RECORDING_BYTES = 200 * 1024 * 1024;
/**
 * Slack stamps a message when it is written and delivers its event some time later; the turns
 * here are delivered this long after their timestamp. With two instances, turns are also
 * measured delivered the instant their message was written (`oneAtATimeDeliveredAtOnce`).
 */
const EVENT_DELAY_MS = 200;
const GREETING = 'Hello! How can I help?';
/** Turns of one thread, one after the other with nothing else going on: the overhead without queueing. */
const UNLOADED_TURNS = 50;
/** One long thread: a late turn must cost what an early one does (nothing may grow with the thread). */
const LONG_THREAD_TURNS = 400;
const LONG_THREAD_SAMPLE = 20;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

const unloaded = (figures: { overheadP50Ms: number; overheadP99Ms: number }) => ({
  turns: UNLOADED_TURNS,
  overheadP50Ms: figures.overheadP50Ms,
  overheadP99Ms: figures.overheadP99Ms,
});

const log = (message: string) => process.stderr.write(`bench: ${message}\n`);

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return round(sorted[index] ?? Number.NaN);
}

const round = (n: number) => Math.round(n * 10) / 10;

/** Runs `work` on every item, `concurrency` at a time. */
async function inPool<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}

let lastMicros = 0;
/** A unique, increasing Slack ts for a message written `agoMs` before now. */
function writtenTs(agoMs: number): string {
  lastMicros = Math.max(Math.round((Date.now() - agoMs) * 1000), lastMicros + 1);
  return `${Math.floor(lastMicros / 1e6)}.${String(lastMicros % 1e6).padStart(6, '0')}`;
}

/** Resolves, for each expected text, with the moment the fake Slack received a message containing it. */
class Arrivals {
  private readonly waiting = new Map<string, (at: number) => void>();

  constructor(slack: FakeSlack) {
    slack.on('chat.postMessage', (args, call) => {
      const word = /You said: (\S+)/.exec(String(args.text ?? ''))?.[1] ?? '';
      this.waiting.get(word)?.(call.at);
      this.waiting.delete(word);
      return undefined;
    });
  }

  expect(word: string): Promise<number> {
    return new Promise((resolve) => this.waiting.set(word, resolve));
  }
}

interface Setup {
  polyai: FakePolyAI;
  slack: FakeSlack;
  apps: AppProcess[];
  drivers: SlackDriver[];
  stop(): Promise<void>;
}

/** The baseline: the same flow in plain Bolt, run from its TypeScript source. */
const PLAIN_BOLT = {
  script: fileURLToPath(new URL('plain-bolt.ts', import.meta.url)),
  nodeArgs: ['--import', import.meta.resolve('tsx')],
};

async function setUp(instances: number, env: AppEnv, program: Partial<typeof PLAIN_BOLT> = {}): Promise<Setup> {
  const polyai = await startFakePolyAI({ latencyMs: POLYAI_LATENCY_MS });
  const slack = await startFakeSlack();
  const apps: AppProcess[] = [];
  // BENCH_CPU_PROF=DIR: every app writes a V8 CPU profile into DIR when it stops (README: Benchmark).
  const profile = process.env.BENCH_CPU_PROF;
  const nodeArgs = [
    ...(program.nodeArgs ?? []),
    ...(profile === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profile}`]),
  ];
  for (let i = 0; i < instances; i++) {
    const appEnv = testEnv({ polyai, slack }, { LOG_LEVEL: 'info', ...env });
    apps.push(await startApp({ env: appEnv, ...program, nodeArgs, discardStdout: true }));
  }
  const drivers = apps.map((app) => new SlackDriver(app.url, undefined, { slack, defaultUser: 'U1' }));
  return {
    polyai,
    slack,
    apps,
    drivers,
    async stop() {
      await Promise.all(apps.map((app) => app.stop()));
      await Promise.all([polyai.close(), slack.close()]);
    },
  };
}

/** Starts `count` debug chats with `/polychat`, `concurrency` at a time; returns the ack times and the threads. */
async function startChats(setup: Setup, count: number, concurrency: number, tag: string) {
  const channels = Array.from({ length: count }, (_, i) => `CBENCH${tag}${i}`);
  const mine = new Set(channels);
  const acks: number[] = [];
  await inPool(
    channels.map((channel, i) => ({ channel, i })),
    concurrency,
    async ({ channel, i }) => {
      const driver = setup.drivers[i % setup.drivers.length] as SlackDriver;
      const { response } = await driver.command('', { channel_id: channel });
      if (response.status !== 200) throw new Error(`/polychat answered ${response.status}`);
      acks.push(response.ms);
    },
  );
  const roots = await waitUntil(
    () => {
      const greeted = new Set(
        setup.slack
          .callsTo('chat.postMessage')
          .filter((c) => c.args.thread_ts !== undefined && String(c.args.text).includes(GREETING))
          .map((c) => String(c.args.thread_ts)),
      );
      const threads = setup.slack
        .callsTo('chat.postMessage')
        .filter((c) => c.args.thread_ts === undefined && mine.has(String(c.args.channel)))
        .filter((c) => greeted.has(String(c.response.ts)))
        .map((c) => ({ channel: String(c.args.channel), rootTs: String(c.response.ts) }));
      return threads.length === count ? threads : undefined;
    },
    60_000,
    50,
    `${count} greetings`,
  );
  return { acks, threads: roots };
}

/**
 * `turns` turns over the threads at once: each thread sends its next turn when the answer to its
 * last one is posted. Overhead = event sent → answer received by Slack, minus the time PolyAI took.
 */
async function runTurns(
  setup: Setup,
  threads: { channel: string; rootTs: string }[],
  turns: number,
  tag: string,
  eventDelayMs: number,
) {
  const arrivals = new Arrivals(setup.slack);
  const perThread = Math.ceil(turns / threads.length);
  const sent = new Map<string, number>();
  const answered = new Map<string, number>();
  const started = performance.now();
  await Promise.all(
    threads.map(async (thread, t) => {
      for (let k = 0; k < perThread && t * perThread + k < turns; k++) {
        const word = `${tag}-${t}-${k}`;
        const driver = setup.drivers[(t + k) % setup.drivers.length] as SlackDriver;
        const answer = arrivals.expect(word);
        sent.set(word, performance.now());
        const { response } = await driver.message({
          channel: thread.channel,
          thread_ts: thread.rootTs,
          text: word,
          ts: writtenTs(eventDelayMs),
        });
        if (response.status !== 200) throw new Error(`event answered ${response.status}`);
        answered.set(word, await answer);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const overheads: number[] = [];
  for (const request of setup.polyai.turns()) {
    const word = (request.body as { message?: string }).message ?? '';
    const sentAt = sent.get(word);
    const answeredAt = answered.get(word);
    if (sentAt === undefined || answeredAt === undefined || request.finishedAt === undefined) continue;
    overheads.push(answeredAt - sentAt - (request.finishedAt - request.at));
  }
  if (overheads.length !== turns) throw new Error(`measured ${overheads.length} of ${turns} turns`);
  return {
    turns,
    threads: threads.length,
    overheadP50Ms: percentile(overheads, 50),
    overheadP99Ms: percentile(overheads, 99),
    turnsPerSecond: round(turns / seconds),
    /** In the order PolyAI received them: for one thread, the order of its turns. */
    overheads,
  };
}

/** CPU time a process has used so far, in ms (Linux /proc; NaN elsewhere). */
function cpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    // utime and stime, in clock ticks of 10 ms.
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}

/** `runTurns` with the Slack Web API calls it caused and the apps' CPU time, per turn. */
async function countedTurns(...args: Parameters<typeof runTurns>) {
  const [setup, , turns] = args;
  const before = setup.slack.calls.length;
  const cpu = () => setup.apps.reduce((sum, app) => sum + cpuMs(app.pid), 0);
  const cpuBefore = cpu();
  const { overheads: _, ...figures } = await runTurns(...args);
  const appCpuMsPerTurn = round((cpu() - cpuBefore) / turns);
  // The answers' calls have all arrived; a progress call still on its way would be counted short.
  await sleep(200);
  return { ...figures, slackCallsPerTurn: round((setup.slack.calls.length - before) / turns), appCpuMsPerTurn };
}

/** One thread of LONG_THREAD_TURNS turns: overhead p50 of its last turns over its turns 2–21. */
async function longThread(setup: Setup, thread: { channel: string; rootTs: string }) {
  const { overheads } = await runTurns(setup, [thread], LONG_THREAD_TURNS, 'long', EVENT_DELAY_MS);
  const early = percentile(overheads.slice(1, 1 + LONG_THREAD_SAMPLE), 50);
  const late = percentile(overheads.slice(-LONG_THREAD_SAMPLE), 50);
  return { turns: LONG_THREAD_TURNS, earlyP50Ms: early, lateP50Ms: late, lateOverEarly: round2(late / early) };
}

const round2 = (n: number) => Math.round(n * 100) / 100;

const exec = promisify(execFile);

/** Resident memory of a process in bytes (Linux /proc, else `ps`). */
async function rss(pid: number): Promise<number> {
  try {
    const kb = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    if (kb !== undefined) return Number(kb) * 1024;
  } catch {
    // no /proc here
  }
  const { stdout } = await exec('ps', ['-o', 'rss=', '-p', String(pid)]);
  return Number(stdout.trim()) * 1024;
}

/** Relays a recording with `/polychat audio` and samples the app's memory while it streams. */
async function relayRecording(setup: Setup) {
  const app = setup.apps[0] as AppProcess;
  const driver = setup.drivers[0] as SlackDriver;
  const call = setup.polyai.addConversation('agent-1', makeConversation());
  setup.polyai.setRecording(call.conversationId, { bytes: RECORDING_BYTES });
  await sleep(500);
  const baseline = await rss(app.pid);
  let peak = baseline;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peak = Math.max(peak, await rss(app.pid));
      await sleep(10);
    }
  })();
  const started = performance.now();
  await driver.command(`audio ${call.conversationId}`, { channel_id: 'CBENCHAUDIO' });
  const upload = await setup.slack.waitForUpload(undefined, 120_000);
  await setup.slack.waitFor('files.completeUploadExternal', () => true, 30_000);
  const ms = performance.now() - started;
  sampling = false;
  await sampler;
  if (upload.bytes !== setup.polyai.audioLength(call.conversationId)) throw new Error('the recording arrived cut');
  const mb = (bytes: number) => round(bytes / 1024 / 1024);
  return {
    recordingMB: mb(RECORDING_BYTES),
    baselineRssMB: mb(baseline),
    peakRssGrowthMB: mb(peak - baseline),
    relayMs: Math.round(ms),
  };
}

/** Ack latency and turn figures of one instance; the recording relay too when `audio`. */
async function oneInstance(setup: Setup, audio: boolean) {
  log(`ack latency: ${COMMANDS} slash commands, ${COMMAND_CONCURRENCY} at a time, after as many to warm up`);
  await startChats(setup, COMMAND_CONCURRENCY, COMMAND_CONCURRENCY, 'W');
  const { acks, threads } = await startChats(setup, COMMANDS, COMMAND_CONCURRENCY, 'A');
  const ack = {
    command: '/polychat (starts a debug chat)',
    commands: COMMANDS,
    concurrency: COMMAND_CONCURRENCY,
    p50Ms: percentile(acks, 50),
    p99Ms: percentile(acks, 99),
  };
  log(`turns: ${TURNS} over ${THREADS} threads at once`);
  await runTurns(setup, threads.slice(THREADS), 50, 'warm', EVENT_DELAY_MS);
  const turns = await countedTurns(setup, threads.slice(0, THREADS), TURNS, 'one', EVENT_DELAY_MS);
  const alone = await runTurns(setup, threads.slice(THREADS, THREADS + 1), UNLOADED_TURNS, 'alone', EVENT_DELAY_MS);
  log(`one thread of ${LONG_THREAD_TURNS} turns`);
  const long = await longThread(setup, threads[THREADS + 2] as { channel: string; rootTs: string });
  const figures = { ack, turns: { ...turns, oneAtATime: unloaded(alone) }, longThread: long };
  if (!audio) return figures;
  log(`audio: relaying a ${RECORDING_BYTES / 1024 / 1024} MB recording`);
  return { ...figures, audio: await relayRecording(setup) };
}

async function singleInstance(audio: boolean) {
  log('polychat, one instance on SQLite');
  const dir = await mkdtemp(join(tmpdir(), 'polychat-bench-'));
  const setup = await setUp(1, { STORE_URL: `sqlite://${join(dir, 'state.sqlite')}` });
  try {
    return await oneInstance(setup, audio);
  } finally {
    await setup.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

async function plainBolt() {
  log('the same flow in plain Bolt (bench/plain-bolt.ts), for comparison');
  const setup = await setUp(1, {}, PLAIN_BOLT);
  try {
    return await oneInstance(setup, false);
  } finally {
    await setup.stop();
  }
}

async function twoInstancesOnRedis() {
  if (REDIS_SERVER === undefined) return undefined;
  const redis = await startRedisServer();
  const setup = await setUp(2, { STORE_URL: redis.url });
  try {
    log(`two instances on Redis: ${TURNS} turns over ${THREADS} threads at once, spread across both`);
    const { threads } = await startChats(setup, THREADS * 2, COMMAND_CONCURRENCY, 'R');
    await runTurns(setup, threads.slice(THREADS), 50, 'warm', EVENT_DELAY_MS);
    const turns = await countedTurns(setup, threads.slice(0, THREADS), TURNS, 'two', EVENT_DELAY_MS);
    const alone = await runTurns(setup, threads.slice(THREADS, THREADS + 1), UNLOADED_TURNS, 'alone', EVENT_DELAY_MS);
    const atOnce = await runTurns(setup, threads.slice(THREADS + 1, THREADS + 2), UNLOADED_TURNS, 'now', 0);
    return {
      ...turns,
      oneAtATime: unloaded(alone),
      oneAtATimeDeliveredAtOnce: {
        note: 'each event sent the instant its message was written, so each turn waits out the ordering window',
        ...unloaded(atOnce),
      },
    };
  } finally {
    await setup.stop();
    await redis.stop();
  }
}

type Figures = { [key: string]: number | string | Figures };

/** The median of each number across rounds (rounds have the same shape); text is taken from the first. */
function medians(rounds: Figures[]): Figures {
  const first = rounds[0] as Figures;
  const out: Figures = {};
  for (const [key, value] of Object.entries(first)) {
    if (typeof value === 'number')
      out[key] = percentile(
        rounds.map((r) => r[key] as number),
        50,
      );
    else if (typeof value === 'string') out[key] = value;
    else out[key] = medians(rounds.map((r) => r[key] as Figures));
  }
  return out;
}

const ratio = (a: number, b: number) => round2(a / b);

/** The number at `path` in `figures` (NaN when absent). */
function num(figures: Figures | undefined, ...path: string[]): number {
  let at: Figures | number | string | undefined = figures;
  for (const key of path) at = typeof at === 'object' ? at[key] : undefined;
  return typeof at === 'number' ? at : Number.NaN;
}

async function main(): Promise<void> {
  const started = performance.now();
  const rounds: { single: Figures; plain: Figures; redis: Figures | undefined; ratios: Figures }[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    log(`round ${r + 1} of ${ROUNDS}`);
    const runs: Record<string, () => Promise<Figures | undefined>> = {
      single: () => singleInstance(r === 0),
      plain: plainBolt,
      redis: twoInstancesOnRedis,
    };
    const order = Object.keys(runs);
    const got: Record<string, Figures | undefined> = {};
    for (let i = 0; i < order.length; i++) {
      const name = order[(i + r) % order.length] as string;
      got[name] = await (runs[name] as () => Promise<Figures | undefined>)();
    }
    const { single, plain, redis } = got as { single: Figures; plain: Figures; redis: Figures | undefined };
    const both = (...path: string[]) => ratio(num(single, ...path), num(plain, ...path));
    rounds.push({
      single,
      plain,
      redis,
      ratios: {
        overheadP50: both('turns', 'overheadP50Ms'),
        overheadP99: both('turns', 'overheadP99Ms'),
        turnsPerSecond: both('turns', 'turnsPerSecond'),
        appCpuPerTurn: both('turns', 'appCpuMsPerTurn'),
        ackP99: both('ack', 'p99Ms'),
        ...(redis !== undefined && {
          redisOverheadP50OverSqlite: ratio(num(redis, 'overheadP50Ms'), num(single, 'turns', 'overheadP50Ms')),
        }),
      },
    });
  }
  // The audio relay runs in the first round only.
  const audio = rounds[0]?.single.audio as Figures;
  const single = medians(rounds.map((r) => ({ ...r.single, audio: {} })));
  delete single.audio;
  const plain = medians(rounds.map((r) => r.plain));
  const redisRounds = rounds.flatMap((r) => (r.redis === undefined ? [] : [r.redis]));
  const redis = redisRounds.length > 0 ? medians(redisRounds) : undefined;
  const ratios = medians(rounds.map((r) => r.ratios));
  const ratioOf = (key: string) => num(ratios, key);
  const result = {
    machine: { cpus: cpus().length, node: process.version },
    rounds: ROUNDS,
    minutes: round((performance.now() - started) / 60_000),
    polyaiLatencyMs: POLYAI_LATENCY_MS,
    eventDelayMs: EVENT_DELAY_MS,
    definitions: {
      ack: 'a signed slash command sent → its HTTP answer read',
      overhead: "a turn's event sent → its answer's chat.postMessage at Slack, minus PolyAI's time for that turn",
      turns: `${TURNS} turns over ${THREADS} threads at once; each thread sends its next turn when its last is answered`,
      slackCallsPerTurn: 'Slack Web API calls made during those turns, per turn',
      appCpuMsPerTurn: 'CPU time the app process(es) used during those turns, per turn',
      oneAtATime: 'turns of one thread, each sent when the last is answered, nothing else going on',
      longThread: `one thread of ${LONG_THREAD_TURNS} turns: overhead p50 of its last ${LONG_THREAD_SAMPLE} over its turns 2–${LONG_THREAD_SAMPLE + 1}`,
      figures: `medians of ${ROUNDS} interleaved rounds (the audio relay: the first round)`,
    },
    polychat: { ...single, audio },
    twoInstancesRedis: redis ?? { skipped: 'redis-server is not installed' },
    plainBoltBaseline: { note: 'the same flow without state, ordering, progress, retries or logs', ...plain },
    ratiosToPlainBolt: ratios,
    targets: {
      overheadP50AtMost1x: ratioOf('overheadP50') <= 1,
      overheadP99AtMost1_2x: ratioOf('overheadP99') <= 1.2,
      turnsPerSecondAtLeast1x: ratioOf('turnsPerSecond') >= 1,
      slackCallsPerTurnAtMost2: num(single, 'turns', 'slackCallsPerTurn') <= 2,
      longThreadNoWorseThanPlainBolt:
        num(single, 'longThread', 'lateOverEarly') <= num(plain, 'longThread', 'lateOverEarly'),
      redisOverheadP50AtMost1_3xSqlite: redis === undefined ? undefined : ratioOf('redisOverheadP50OverSqlite') <= 1.3,
      ackP99AtMostPlainBolt: ratioOf('ackP99') <= 1,
      audioGrowthUnder64MB: num(audio, 'peakRssGrowthMB') < 64,
    },
    perRound: rounds,
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

main().then(
  () => process.exit(0),
  (error: Error) => {
    process.stderr.write(`bench: failed: ${error.stack ?? error.message}\n`);
    process.exit(1);
  },
);
