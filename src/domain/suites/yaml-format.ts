import { type Document, isNode, LineCounter, parseDocument, stringify } from 'yaml';
import type { FunctionCallRecord, SessionSettings } from '../../outbound/store/records.js';
import type { CaseTurn, FunctionExpectation, Suite, TestCase, TurnChecks } from '../../outbound/store/suite-records.js';
import { CLIENT_ENVS, type ClientEnv } from '../../platform/config.js';
import { SUITE_NAME, SUITE_NAME_RULE } from '../../presentation/suites.js';
import { defaultChecks } from './checks.js';

/**
 * The suite file of `/polychat test export` and `@polychat test import` (README, "Regression
 * suites"). Import checks everything before anything is kept, and every error names its line.
 */

/** Cases and turns a file may hold: a typo cannot fill the store. */
export const IMPORT_LIMITS = { cases: 200, turns: 100 } as const;

type Path = Array<string | number>;

function settingsOut(s: SessionSettings): Record<string, unknown> {
  return {
    agent: s.agentId,
    env: s.clientEnv,
    ...(s.variantId !== undefined && { variant: s.variantId }),
    ...(s.lang !== undefined && { lang: s.lang }),
    ...(s.polyaiChannel !== undefined && { channel: s.polyaiChannel }),
    ...(s.integrationAttributes !== undefined && { attributes: s.integrationAttributes }),
  };
}

const functionOut = (f: FunctionExpectation) =>
  f.arguments === undefined ? f.name : { name: f.name, arguments: f.arguments };

function checksOut(c: TurnChecks): Record<string, unknown> {
  return {
    reply: c.reply,
    ...(c.contains !== undefined && { contains: c.contains }),
    ...(c.matches !== undefined && { matches: c.matches }),
    ...(c.functions !== undefined && { functions: c.functions.map(functionOut) }),
    ...(c.ended !== undefined && { ended: c.ended }),
  };
}

/** The suite as its YAML file. */
export function suiteToYaml(suite: Suite): string {
  const body = {
    suite: suite.name,
    cases: suite.cases.map((c) => ({
      name: c.name,
      settings: settingsOut(c.settings),
      turns: c.turns.map((t) => ({
        user: t.user,
        reply: t.reply,
        ...(t.functions.length > 0 && {
          functions: t.functions.map((f) => ({
            name: f.name,
            ...(f.arguments !== undefined && { arguments: f.arguments }),
          })),
        }),
        checks: checksOut(t.checks),
      })),
    })),
  };
  return `# polychat test suite: import it with "@polychat test import" and this file attached\n${stringify(body, { lineWidth: 0 })}`;
}

class ImportError extends Error {}

/** Reads values of the parsed file, naming the line of the first thing that is wrong. */
class Reader {
  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  fail(path: Path, what: string): never {
    let node: unknown;
    for (let i = path.length; i >= 0 && !isNode(node); i--) node = this.doc.getIn(path.slice(0, i), true);
    const offset = isNode(node) ? (node.range?.[0] ?? 0) : 0;
    const where = path.length === 0 ? '' : ` (${path.join('.')})`;
    throw new ImportError(`line ${this.lines.linePos(offset).line}${where}: ${what}`);
  }

  record(value: unknown, path: Path, keys: string[]): Record<string, unknown> {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail(path, 'expected a mapping');
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (!keys.includes(key)) this.fail([...path, key], `unknown key "${key}"; expected one of ${keys.join(', ')}`);
    }
    return record;
  }

  list(value: unknown, path: Path): unknown[] {
    if (!Array.isArray(value)) this.fail(path, 'expected a list');
    return value;
  }

  text(value: unknown, path: Path, { optional = false, empty = false } = {}): string {
    if (value === undefined && optional) return '';
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    if (typeof value !== 'string') this.fail(path, value === undefined ? 'missing' : 'expected text');
    if (!empty && value.trim() === '') this.fail(path, 'must not be empty');
    return value;
  }
}

function readSettings(r: Reader, value: unknown, path: Path): SessionSettings {
  const s = r.record(value, path, ['agent', 'env', 'variant', 'lang', 'channel', 'attributes']);
  const env = r.text(s.env, [...path, 'env']);
  if (!(CLIENT_ENVS as readonly string[]).includes(env))
    r.fail([...path, 'env'], `env must be one of ${CLIENT_ENVS.join(', ')}`);
  const attributes =
    s.attributes === undefined
      ? undefined
      : Object.fromEntries(
          Object.entries(r.record(s.attributes, [...path, 'attributes'], Object.keys(s.attributes as object))).map(
            ([k, v]) => [k, r.text(v, [...path, 'attributes', k], { empty: true })],
          ),
        );
  const optional = (key: string) => (s[key] === undefined ? undefined : r.text(s[key], [...path, key]));
  const variantId = optional('variant');
  const lang = optional('lang');
  const polyaiChannel = optional('channel');
  return {
    agentId: r.text(s.agent, [...path, 'agent']),
    clientEnv: env as ClientEnv,
    ...(variantId !== undefined && { variantId }),
    ...(lang !== undefined && { lang }),
    ...(polyaiChannel !== undefined && { polyaiChannel }),
    ...(attributes !== undefined && { integrationAttributes: attributes }),
    details: false,
  };
}

function readFunctions(r: Reader, value: unknown, path: Path): FunctionExpectation[] {
  return r.list(value, path).map((item, i) => {
    if (typeof item === 'string') return { name: r.text(item, [...path, i]) };
    const f = r.record(item, [...path, i], ['name', 'arguments']);
    const name = r.text(f.name, [...path, i, 'name']);
    return f.arguments === undefined ? { name } : { name, arguments: f.arguments };
  });
}

function readChecks(r: Reader, value: unknown, path: Path, recorded: FunctionCallRecord[]): TurnChecks {
  if (value === undefined) return defaultChecks(recorded);
  const c = r.record(value, path, ['reply', 'contains', 'matches', 'functions', 'ended']);
  const reply = c.reply === undefined ? 'same' : r.text(c.reply, [...path, 'reply']);
  if (reply !== 'same' && reply !== 'any') r.fail([...path, 'reply'], 'reply must be same or any');
  const checks: TurnChecks = { reply };
  if (c.contains !== undefined) {
    const phrases = typeof c.contains === 'string' ? [c.contains] : r.list(c.contains, [...path, 'contains']);
    checks.contains = phrases.map((p, i) => r.text(p, [...path, 'contains', i]));
  }
  if (c.matches !== undefined) {
    const pattern = r.text(c.matches, [...path, 'matches']);
    try {
      new RegExp(pattern);
    } catch (error) {
      r.fail([...path, 'matches'], `not a valid regular expression: ${(error as Error).message}`);
    }
    checks.matches = pattern;
  }
  if (c.functions !== undefined) checks.functions = readFunctions(r, c.functions, [...path, 'functions']);
  if (c.ended !== undefined) {
    if (typeof c.ended !== 'boolean') r.fail([...path, 'ended'], 'ended must be true or false');
    checks.ended = c.ended;
  }
  return checks;
}

function readTurn(r: Reader, value: unknown, path: Path): CaseTurn {
  const t = r.record(value, path, ['user', 'reply', 'functions', 'checks']);
  const functions = t.functions === undefined ? [] : readFunctions(r, t.functions, [...path, 'functions']);
  return {
    user: r.text(t.user, [...path, 'user']),
    reply: r.text(t.reply, [...path, 'reply'], { optional: true, empty: true }),
    functions,
    checks: readChecks(r, t.checks, [...path, 'checks'], functions),
  };
}

export type ImportResult = { ok: true; name: string; cases: TestCase[] } | { ok: false; error: string };

/** Reads a suite file; `user` becomes the cases' saver. Nothing is returned unless all of it is right. */
export function parseSuiteYaml(text: string, user: string): ImportResult {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  const syntax = doc.errors[0];
  if (syntax !== undefined) {
    const line = syntax.linePos?.[0].line ?? lines.linePos(syntax.pos[0]).line;
    return { ok: false, error: `line ${line}: ${syntax.message.split('\n')[0]}` };
  }
  const r = new Reader(doc, lines);
  try {
    const top = r.record(doc.toJS(), [], ['suite', 'cases']);
    const name = r.text(top.suite, ['suite']);
    if (!SUITE_NAME.test(name)) r.fail(['suite'], `a suite name is ${SUITE_NAME_RULE}`);
    const rawCases = r.list(top.cases, ['cases']);
    if (rawCases.length > IMPORT_LIMITS.cases) r.fail(['cases'], `at most ${IMPORT_LIMITS.cases} cases`);
    const seen = new Set<string>();
    const cases = rawCases.map((raw, i): TestCase => {
      const c = r.record(raw, ['cases', i], ['name', 'settings', 'turns']);
      const caseName = r.text(c.name, ['cases', i, 'name']);
      if (seen.has(caseName)) r.fail(['cases', i, 'name'], `a second case named "${caseName}"`);
      seen.add(caseName);
      const turns = r.list(c.turns, ['cases', i, 'turns']);
      if (turns.length === 0) r.fail(['cases', i, 'turns'], 'a case needs at least one turn');
      if (turns.length > IMPORT_LIMITS.turns) r.fail(['cases', i, 'turns'], `at most ${IMPORT_LIMITS.turns} turns`);
      return {
        name: caseName,
        settings: readSettings(r, c.settings, ['cases', i, 'settings']),
        turns: turns.map((t, j) => readTurn(r, t, ['cases', i, 'turns', j])),
        savedBy: user,
        savedAt: new Date().toISOString(),
      };
    });
    return { ok: true, name, cases };
  } catch (error) {
    if (error instanceof ImportError) return { ok: false, error: error.message };
    throw error;
  }
}
