/**
 * Runs the built app (`dist/src/main.js`, from `npm run build`) as a child
 * process with a clean environment, and waits for `GET /healthz`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { TEST_BOT_TOKEN, TEST_POLYAI_KEY, TEST_SIGNING_SECRET } from './constants.js';
import { LOOPBACK } from './http-util.js';
import { sleep, waitUntil } from './wait.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const MAIN_JS = join(REPO_ROOT, 'dist', 'src', 'main.js');

export type AppEnv = Record<string, string | undefined>;
export type LogLine = Record<string, unknown>;

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface StartAppOptions {
  env: AppEnv;
  /** working directory; default a fresh empty temp dir (so no stray .env is loaded) */
  cwd?: string;
  /** default env.PORT, else a free port */
  port?: number;
  healthTimeoutMs?: number;
  /** allow SLACK_API_URL/POLYAI_BASE_URL off 127.0.0.1 and SLACK_APP_TOKEN (never in this repo's tests) */
  allowNonLocal?: boolean;
  nodeArgs?: string[];
  /** script to run instead of dist/src/main.js (harness self-tests) */
  script?: string;
  /**
   * stdout is drained unread, as a log collector would take it (the benchmark: the apps log
   * differently, and parsing their lines here would weigh on the fakes that share this process)
   */
  discardStdout?: boolean;
}

export interface AppProcess {
  /** http://127.0.0.1:PORT */
  url: string;
  port: number;
  pid: number;
  /** JSON log objects from stdout and stderr, in arrival order */
  logs: LogLine[];
  /** raw lines */
  stdout: string[];
  stderr: string[];
  /** every raw line of both streams, in arrival order */
  output(): string;
  /** first log line (seen already or arriving) matching the predicate */
  waitForLog(predicate: (l: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** current GET /healthz status */
  health(): Promise<number>;
  exited: Promise<ExitInfo>;
  readonly exitInfo: ExitInfo | undefined;
  /** signal, wait for exit (SIGKILL after timeoutMs) */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<ExitInfo>;
  kill(): Promise<ExitInfo>;
}

export interface RunResult extends ExitInfo {
  stdout: string;
  stderr: string;
  ms: number;
  timedOut: boolean;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function trackChild(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const c of live) c.kill('SIGKILL');
    });
  }
}

/** A port that was free a moment ago on 127.0.0.1. */
export function getFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, LOOPBACK, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** PATH and HOME of this process plus `env` (undefined values are left out). */
export function cleanEnv(env: AppEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of ['PATH', 'HOME'] as const) {
    const v = process.env[key];
    if (v !== undefined) out[key] = v;
  }
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete out[k];
    else out[k] = v;
  }
  return out;
}

export interface FakeLinks {
  polyai?: { url: string; apiKey?: string };
  slack?: { url: string; botToken?: string };
}

/** The standard env for an app wired to the fakes; `overrides` win, undefined removes a variable. */
export function testEnv(fakes: FakeLinks, overrides: AppEnv = {}): AppEnv {
  const env: AppEnv = {
    SLACK_BOT_TOKEN: fakes.slack?.botToken ?? TEST_BOT_TOKEN,
    SLACK_SIGNING_SECRET: TEST_SIGNING_SECRET,
    SLACK_API_URL: fakes.slack?.url,
    POLYAI_API_KEY: fakes.polyai?.apiKey ?? TEST_POLYAI_KEY,
    POLYAI_BASE_URL: fakes.polyai?.url,
    POLYAI_AGENT_ID: 'agent-1',
    POLYAI_CLIENT_ENV: 'sandbox',
    POLYAI_TIMEOUT_MS: '5000',
    LOG_LEVEL: 'debug',
    STORE_URL: 'memory://',
  };
  for (const [k, v] of Object.entries(overrides)) env[k] = v;
  return env;
}

function assertLocal(env: AppEnv): void {
  for (const key of ['SLACK_API_URL', 'POLYAI_BASE_URL']) {
    const v = env[key];
    let host = '';
    try {
      host = v ? new URL(v).hostname : '';
    } catch {
      host = '';
    }
    if (host !== '127.0.0.1' && host !== 'localhost') {
      throw new Error(
        `startApp: ${key} must point at a local fake (got ${v ?? 'nothing'}); pass allowNonLocal to override`,
      );
    }
  }
  if (env.SLACK_APP_TOKEN) throw new Error('startApp: SLACK_APP_TOKEN would open a Socket Mode connection to Slack');
}

function spawnApp(env: AppEnv, cwd: string, nodeArgs: string[] = [], script = MAIN_JS): ChildProcess {
  const child = spawn(process.execPath, ['--enable-source-maps', ...nodeArgs, script], {
    cwd,
    env: cleanEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  trackChild(child);
  return child;
}

function exitPromise(child: ChildProcess): Promise<ExitInfo> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve({ code: child.exitCode, signal: child.signalCode });
      return;
    }
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
}

export async function startApp(opts: StartAppOptions): Promise<AppProcess> {
  if (!opts.allowNonLocal) assertLocal(opts.env);
  const port = opts.port ?? (opts.env.PORT ? Number(opts.env.PORT) : await getFreePort());
  const ownCwd = opts.cwd === undefined ? mkdtempSync(join(tmpdir(), 'polychat-app-')) : undefined;
  const cwd = opts.cwd ?? (ownCwd as string);
  const child = spawnApp({ ...opts.env, PORT: String(port) }, cwd, opts.nodeArgs, opts.script);
  const url = `http://${LOOPBACK}:${port}`;

  const logs: LogLine[] = [];
  const stdout: string[] = [];
  const stderr: string[] = [];
  const all: string[] = [];
  const take = (into: string[]) => (line: string) => {
    into.push(line);
    all.push(line);
    try {
      const parsed: unknown = JSON.parse(line);
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) logs.push(parsed as LogLine);
    } catch {
      // not a JSON log line; kept raw
    }
  };
  if (opts.discardStdout) child.stdout?.resume();
  else if (child.stdout) createInterface({ input: child.stdout }).on('line', take(stdout));
  if (child.stderr) createInterface({ input: child.stderr }).on('line', take(stderr));

  let exitInfo: ExitInfo | undefined;
  const exited = exitPromise(child).then(async (info) => {
    exitInfo = info;
    await sleep(20); // let readline flush the last lines
    if (ownCwd) rmSync(ownCwd, { recursive: true, force: true });
    return info;
  });

  const health = async (): Promise<number> => {
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      return res.status;
    } catch {
      return 0;
    }
  };

  const stop = async (signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 10_000): Promise<ExitInfo> => {
    if (exitInfo) return exitInfo;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const info = await exited;
    clearTimeout(timer);
    return info;
  };

  const app: AppProcess = {
    url,
    port,
    pid: child.pid ?? -1,
    logs,
    stdout,
    stderr,
    output: () => all.join('\n'),
    waitForLog: (predicate, timeoutMs = 5000) =>
      waitUntil(() => logs.find(predicate), timeoutMs, 20, 'a matching app log line'),
    health,
    exited,
    get exitInfo() {
      return exitInfo;
    },
    stop,
    kill: () => stop('SIGKILL'),
  };

  const timeoutMs = opts.healthTimeoutMs ?? 20_000;
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (exitInfo) {
      await exited;
      throw new Error(
        `app exited before /healthz answered (code ${exitInfo.code}, signal ${exitInfo.signal}):\n${app.output()}`,
      );
    }
    if ((await health()) === 200) return app;
    if (performance.now() > deadline) {
      await stop('SIGKILL');
      throw new Error(`app did not answer GET /healthz 200 within ${timeoutMs} ms:\n${app.output()}`);
    }
    await sleep(50);
  }
}

/** Runs the app to exit (config-error tests); kills it after `timeoutMs`. */
export async function runApp(
  env: AppEnv,
  opts: { cwd?: string; timeoutMs?: number; script?: string } = {},
): Promise<RunResult> {
  const ownCwd = opts.cwd === undefined ? mkdtempSync(join(tmpdir(), 'polychat-run-')) : undefined;
  const started = performance.now();
  const child = spawnApp(env, opts.cwd ?? (ownCwd as string), [], opts.script);
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    err += d;
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, opts.timeoutMs ?? 10_000);
  const [info] = await Promise.all([
    exitPromise(child),
    new Promise<void>((r) => (child.stdout ? child.stdout.once('close', () => r()) : r())),
    new Promise<void>((r) => (child.stderr ? child.stderr.once('close', () => r()) : r())),
  ]);
  clearTimeout(timer);
  if (ownCwd) rmSync(ownCwd, { recursive: true, force: true });
  return { ...info, stdout: out, stderr: err, ms: performance.now() - started, timedOut };
}
