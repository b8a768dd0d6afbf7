import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/platform/config.js';
import { OPERATIONAL_PATHS } from '../../src/slack-in/routes.js';
import { type AppProcess, getFreePort, REPO_ROOT, startApp, testEnv } from '../support/app-process.js';
import { type FakePolyAI, startFakePolyAI } from '../support/fake-polyai.js';
import { type FakeSlack, startFakeSlack } from '../support/fake-slack.js';

/** One instruction of the Dockerfile, continuation lines joined. */
interface Instruction {
  op: string;
  args: string;
  stage: number;
}

interface Stage {
  base: string;
  name: string | undefined;
  instructions: Instruction[];
}

function parseDockerfile(text: string): Stage[] {
  const lines = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const stages: Stage[] = [];
  for (const line of lines) {
    const [, op = '', args = ''] = /^(\S+)\s+(.*)$/.exec(line) ?? [];
    if (op.toUpperCase() === 'FROM') {
      const [base = '', , name] = args.split(/\s+/);
      stages.push({ base, name, instructions: [] });
      continue;
    }
    const stage = stages.at(-1);
    if (stage === undefined) throw new Error(`${op} before any FROM`);
    stage.instructions.push({ op: op.toUpperCase(), args, stage: stages.length - 1 });
  }
  return stages;
}

/** The argument array of an exec-form instruction (`CMD ["node", …]`). */
function execForm(args: string): string[] {
  const parsed: unknown = JSON.parse(args);
  if (!Array.isArray(parsed) || !parsed.every((a) => typeof a === 'string')) throw new Error(`not exec form: ${args}`);
  return parsed;
}

/** `.dockerignore` patterns as Docker reads them: relative to the context root, `*` within a segment, `**` across. */
function ignoredBy(patterns: string[]): (path: string) => boolean {
  const literal = (text: string) => text.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  const segment = (glob: string) =>
    glob
      .split('*')
      .map((part) => part.split('?').map(literal).join('[^/]'))
      .join('[^/]*');
  const regexes = patterns.map((p) => {
    const body = p
      .replace(/^\/+|\/+$/g, '')
      .split('**')
      .map(segment)
      .join('.*');
    // A pattern that names a directory excludes everything in it.
    return new RegExp(`^${body}(/.*)?$`);
  });
  return (path) => regexes.some((r) => r.test(path));
}

function filesUnder(path: string): string[] {
  const full = join(REPO_ROOT, path);
  if (!statSync(full).isDirectory()) return [path];
  return readdirSync(full, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => posix.join(path, posix.relative(full, join(e.parentPath, e.name)).split('\\').join('/')));
}

const dockerfile = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8');
const stages = parseDockerfile(dockerfile);
const final = stages.at(-1) as Stage;
const ignorePatterns = readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l !== '' && !l.startsWith('#'));
const ignored = ignoredBy(ignorePatterns);
const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
  main: string;
  scripts: Record<string, string>;
};
const all = (op: string, stage: Stage = final) => stage.instructions.filter((i) => i.op === op);
const only = (op: string, stage: Stage = final) => {
  const found = all(op, stage);
  expect(found, `one ${op} in the image's stage`).toHaveLength(1);
  return found[0] as Instruction;
};
/** The stage a stage name or image refers to, following `FROM <earlier stage>`. */
const stageNamed = (name: string) => stages.find((s) => s.name === name);
const lineage = (stage: Stage): Stage[] => {
  const parent = stageNamed(stage.base);
  return parent === undefined ? [stage] : [...lineage(parent), stage];
};
const runs = (stage: Stage) => lineage(stage).flatMap((s) => all('RUN', s).map((i) => i.args));
const workdir = (stage: Stage) =>
  lineage(stage)
    .flatMap((s) => all('WORKDIR', s))
    .at(-1)?.args ?? '/';

describe('Dockerfile', () => {
  it('builds on Node 20 slim in several stages, the image itself on Node 20 slim too', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) {
      const root = lineage(stage)[0] as Stage;
      expect(root.base).toBe('node:20-slim');
    }
    expect(final.base).toBe('node:20-slim');
  });

  it('installs dev dependencies only in a build stage, and the image gets production ones built on the same base', () => {
    const npmCi = (stage: Stage) => all('RUN', stage).filter((i) => /\bnpm ci\b/.test(i.args));
    expect(npmCi(final)).toEqual([]);
    expect(runs(final).join('\n')).not.toMatch(/\bnpm\b/);
    const copies = all('COPY').map((i) => /--from=(\S+)\s+(\S+)\s+(\S+)/.exec(i.args));
    const modules = copies.find((m) => m?.[2]?.endsWith('/node_modules'));
    const from = stageNamed(modules?.[1] ?? '');
    expect(from, 'node_modules come from a named stage').toBeDefined();
    expect(runs(from as Stage).join('\n')).toMatch(/\bnpm ci --omit=dev\b/);
    // Native modules (better-sqlite3) may need compiling where they are installed.
    expect(runs(from as Stage).join('\n')).toMatch(/python3.*make.*g\+\+/);
    const dist = copies.find((m) => m?.[2]?.endsWith('/dist'));
    const build = stageNamed(dist?.[1] ?? '') as Stage;
    expect(runs(build).join('\n')).toMatch(/\bnpm ci\n/);
    expect(runs(build).join('\n')).toContain('npm run build');
    expect(posix.join(workdir(build), 'dist')).toBe(dist?.[2]);
  });

  it('copies only files that exist and that .dockerignore lets into the build context', () => {
    const sources = stages.flatMap((stage) =>
      all('COPY', stage)
        .filter((i) => !i.args.includes('--from='))
        .flatMap((i) =>
          i.args
            .split(/\s+/)
            .filter((a) => !a.startsWith('--'))
            .slice(0, -1),
        ),
    );
    expect(sources).toContain('src');
    for (const source of sources) {
      expect(existsSync(join(REPO_ROOT, source)), `${source} exists`).toBe(true);
      for (const file of filesUnder(source)) expect(ignored(file), `${file} reaches the build`).toBe(false);
    }
    for (const i of stages.flatMap((s) => all('COPY', s)).filter((c) => c.args.includes('--from='))) {
      const name = /--from=(\S+)/.exec(i.args)?.[1] ?? '';
      expect(stages.findIndex((s) => s.name === name)).toBeLessThan(i.stage);
    }
    // What must never reach an image: secrets, the host's modules and build.
    for (const path of ['.env', 'node_modules/x', 'dist/src/main.js', '.git/HEAD']) expect(ignored(path)).toBe(true);
  });

  it("starts with node itself, in exec form, on package.json's start script", () => {
    const cmd = execForm(only('CMD').args);
    expect(cmd).toEqual((pkg.scripts.start as string).split(/\s+/));
    expect(cmd[0]).toBe('node');
    expect(cmd.at(-1)).toBe(pkg.main);
    expect(existsSync(join(REPO_ROOT, pkg.main)), `${pkg.main} is what npm run build makes`).toBe(true);
    expect(all('ENTRYPOINT')).toEqual([]);
  });

  it('runs as the non-root node user, with the default store directory its own', () => {
    const user = only('USER');
    expect(user.args).toBe('node');
    expect(final.instructions.indexOf(user)).toBeLessThan(final.instructions.indexOf(only('CMD')));
    const defaults = parseConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's', POLYAI_API_KEY: 'k' });
    const dataDir = posix.join(workdir(final), dirname(defaults.storeUrl.slice('sqlite://'.length)));
    expect(runs(final).join('\n')).toMatch(new RegExp(`chown node:node ${dataDir}\\b`));
  });

  it("exposes the app's default PORT", () => {
    const defaults = parseConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's', POLYAI_API_KEY: 'k' });
    expect(only('EXPOSE').args).toBe(String(defaults.port));
  });

  describe('HEALTHCHECK', () => {
    let polyai: FakePolyAI;
    let slack: FakeSlack;
    let app: AppProcess;
    const check = () => execForm(/\bCMD\s+(\[.*\])$/.exec(only('HEALTHCHECK').args)?.[1] ?? '');
    const runCheck = (port: number) =>
      spawnSync(process.execPath, check().slice(1), {
        env: { PATH: process.env.PATH, PORT: String(port) },
        timeout: 10_000,
      }).status;

    beforeAll(async () => {
      [polyai, slack] = await Promise.all([startFakePolyAI(), startFakeSlack()]);
      app = await startApp({ env: testEnv({ polyai, slack }) });
    });

    afterAll(async () => {
      await app?.stop();
      await Promise.all([polyai?.close(), slack?.close()]);
    });

    it('asks the liveness route', () => {
      expect(check()[0]).toBe('node');
      expect(check().join(' ')).toContain(OPERATIONAL_PATHS.health);
    });

    it('passes against the running app on its PORT, and fails where nothing answers', async () => {
      expect(runCheck(app.port)).toBe(0);
      expect(runCheck(await getFreePort())).toBe(1);
    });
  });
});
