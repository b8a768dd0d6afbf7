/**
 * A real `redis-server` (the Debian package; `.ci/run` installs it) on a free
 * loopback port, with no persistence, in its own temp dir; stopped after.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { getFreePort } from './app-process.js';
import { LOOPBACK } from './http-util.js';
import { sleep } from './wait.js';

function findBinary(): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/bin', '/usr/sbin', '/usr/local/bin'];
  for (const dir of dirs) {
    const path = join(dir, 'redis-server');
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Path of `redis-server`, or undefined when it is not installed. */
export const REDIS_SERVER = findBinary();

/**
 * Why Redis tests are skipped here, or undefined when they run. They are only ever skipped
 * on a machine without the binary outside CI; in CI a missing binary fails them instead.
 */
export const REDIS_SKIP_REASON =
  REDIS_SERVER === undefined && process.env.CI === undefined
    ? 'redis-server is not installed (apt-get install redis-server); skipping the Redis tests'
    : undefined;
if (REDIS_SKIP_REASON !== undefined) process.stderr.write(`${REDIS_SKIP_REASON}\n`);

export interface RedisServer {
  /** redis://127.0.0.1:PORT */
  url: string;
  port: number;
  /** Stops the server process (an outage); `restart` brings it back. State is lost: nothing is persisted. */
  halt(): Promise<void>;
  /** Starts it again on the same port. */
  restart(): Promise<void>;
  /** Stops it for good and removes its directory. */
  stop(): Promise<void>;
}

/** Whether something answers PING with PONG on the port. */
async function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, LOOPBACK);
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

export async function startRedisServer(): Promise<RedisServer> {
  if (REDIS_SERVER === undefined) throw new Error('redis-server is not installed (apt-get install redis-server)');
  const binary = REDIS_SERVER;
  const port = await getFreePort();
  const dir = mkdtempSync(join(tmpdir(), 'polychat-redis-'));
  let child: ChildProcess | undefined;
  let output = '';

  const start = async () => {
    output = '';
    const proc = spawn(
      binary,
      ['--port', String(port), '--bind', LOOPBACK, '--save', '', '--appendonly', 'no', '--dir', dir],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child = proc;
    proc.stdout?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    proc.stderr?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    // The test process may die without stopping it; never leave a server behind.
    const killOnExit = () => proc.kill('SIGKILL');
    process.once('exit', killOnExit);
    proc.once('exit', () => process.off('exit', killOnExit));
    const deadline = performance.now() + 10_000;
    while (!(await answersPing(port))) {
      if (proc.exitCode !== null || performance.now() > deadline) {
        proc.kill('SIGKILL');
        throw new Error(`redis-server did not start on port ${port}:\n${output}`);
      }
      await sleep(20);
    }
  };

  const halt = async () => {
    const proc = child;
    child = undefined;
    if (proc === undefined || proc.exitCode !== null || proc.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      proc.kill('SIGTERM');
    });
  };

  await start();
  return {
    url: `redis://${LOOPBACK}:${port}`,
    port,
    halt,
    restart: async () => {
      await halt();
      await start();
    },
    stop: async () => {
      await halt();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
