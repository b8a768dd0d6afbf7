import { randomUUID } from 'node:crypto';
import { PolyAIError } from '../../outbound/polyai/errors.js';
import type { SessionSettings } from '../../outbound/store/records.js';
import type {
  ActualTurn,
  CaseResult,
  RunOverrides,
  Suite,
  SuiteRun,
  TestCase,
} from '../../outbound/store/suite-records.js';
import { caseFailureMessage, type RunChanges, suiteReport } from '../../presentation/suites.js';
import { calledFunctions, collectReplies, createBody, sendTurn } from '../chat/conversation.js';
import type { CoreDeps } from '../deps.js';
import { failedCheck } from './checks.js';

/** Cases of a run that talk to PolyAI at once. */
export const RUN_CONCURRENCY = 4;
/** The report message is updated at most this often while a run goes: a big suite stays inside Slack's rate limits. */
export const REPORT_EVERY_MS = 3000;

export interface RunRequest {
  suite: Suite;
  user: string;
  overrides: RunOverrides;
  /** The schedule slot, for scheduled runs. */
  slot?: string;
}

/** The settings a case runs with: as saved, with the run's environment, variant and language. */
export function runSettings(testCase: TestCase, overrides: RunOverrides): SessionSettings {
  return {
    ...testCase.settings,
    ...(overrides.clientEnv !== undefined && { clientEnv: overrides.clientEnv }),
    ...(overrides.variantId !== undefined && { variantId: overrides.variantId }),
    ...(overrides.lang !== undefined && { lang: overrides.lang }),
  };
}

/** What changed since the previous finished run: cases that passed then and not now, and the other way round. */
export function changesSince(previous: SuiteRun | undefined, results: CaseResult[]): RunChanges | undefined {
  if (previous === undefined) return undefined;
  const before = new Map(previous.results.map((r) => [r.name, r.outcome]));
  return {
    newFailures: results.filter((r) => r.outcome !== 'passed' && before.get(r.name) === 'passed').map((r) => r.name),
    fixed: results
      .filter((r) => r.outcome === 'passed' && before.has(r.name) && before.get(r.name) !== 'passed')
      .map((r) => r.name),
  };
}

/**
 * Runs a suite (spec §7): every case in a new PolyAI debug chat of its own, RUN_CONCURRENCY at a
 * time, the turns of a case in order, each answer collected as a chat collects it (delayed
 * responses included) but nothing posted per turn. One report message, updated at most every
 * REPORT_EVERY_MS and renewed as a heartbeat in the store, then one message per failed or
 * errored case in its thread.
 */
export class SuiteRunner {
  constructor(
    private readonly deps: CoreDeps,
    /** How often a running run renews its heartbeat; a run whose heartbeat is STALE_BEATS old was cut short. */
    private readonly heartbeatMs: number,
  ) {}

  /** How old a running run's heartbeat may be before it counts as cut short. */
  get staleMs(): number {
    return Math.max(5 * this.heartbeatMs, 3000);
  }

  /** Posts the report and starts the run; resolves when it is under way (the run goes on in the background). */
  async start(request: RunRequest): Promise<SuiteRun> {
    const { store, slack, inFlight, logger } = this.deps;
    const { suite } = request;
    const now = new Date().toISOString();
    const draft: SuiteRun = {
      id: randomUUID(),
      channel: suite.channel,
      suite: suite.name,
      reportTs: '',
      startedBy: request.user,
      ...(request.slot !== undefined && { slot: request.slot }),
      overrides: request.overrides,
      state: 'running',
      startedAt: now,
      heartbeatAt: now,
      total: suite.cases.length,
      results: [],
    };
    const run: SuiteRun = { ...draft, reportTs: await slack.post(suite.channel, suiteReport({ run: draft })) };
    const previous = await this.previousRun(suite);
    const current = await store.suites.addRun(suite, run);
    void inFlight.track(
      this.execute(current, run, previous).catch(async (error: unknown) => {
        logger.error({ suiteRun: run.id, err: String(error) }, 'suite run failed');
        // Slack or the store failed mid-run: the report must not go on saying "running". A run
        // already finished (a failure message would not post) keeps its results.
        const saved = (await store.suites.run(run.id).catch(() => undefined)) ?? run;
        if (saved.state === 'running') await this.finish({ ...saved, state: 'interrupted' }, previous).catch(() => {});
      }),
    );
    return run;
  }

  private async previousRun(suite: Suite): Promise<SuiteRun | undefined> {
    for (const id of suite.runs) {
      const run = await this.deps.store.suites.run(id);
      if (run !== undefined && run.state === 'finished') return run;
    }
    return undefined;
  }

  private async execute(suite: Suite, started: SuiteRun, previous: SuiteRun | undefined): Promise<void> {
    const { store, slack, logger } = this.deps;
    const results: Array<CaseResult | undefined> = new Array(suite.cases.length);
    let stop: { by: string } | undefined;
    let interrupted = false;
    let shown = '';
    let lastShown = 0;
    const snapshot = (): SuiteRun => ({
      ...started,
      heartbeatAt: new Date().toISOString(),
      results: results.filter((r): r is CaseResult => r !== undefined),
    });
    // One timer renews the heartbeat and, when something changed, the report (throttled).
    const beat = async () => {
      const run = snapshot();
      await store.suites.saveRun(run);
      stop ??= await store.suites.stopRequest(run.id);
      const report = suiteReport({ run });
      if (report.text !== shown && performance.now() - lastShown >= REPORT_EVERY_MS) {
        shown = report.text;
        lastShown = performance.now();
        await slack.update(run.channel, run.reportTs, report).catch((error: unknown) => {
          logger.warn({ suiteRun: run.id, err: String(error) }, 'suite report not updated');
        });
      }
    };
    let beating = Promise.resolve();
    const timer = setInterval(() => {
      beating = beating.then(beat).catch(() => {});
    }, this.heartbeatMs);
    const halted = () => {
      if (this.deps.inFlight.closing) interrupted = true;
      return stop !== undefined || interrupted;
    };
    let next = 0;
    const worker = async () => {
      while (!halted()) {
        const index = next++;
        const testCase = suite.cases[index];
        if (testCase === undefined) return;
        const result = await this.runCase(testCase, started.overrides, halted);
        if (result !== undefined) results[index] = result;
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(RUN_CONCURRENCY, suite.cases.length) }, worker));
    } finally {
      clearInterval(timer);
      await beating;
    }
    stop ??= await store.suites.stopRequest(started.id);
    const finished: SuiteRun = {
      ...snapshot(),
      state: interrupted ? 'interrupted' : stop !== undefined ? 'stopped' : 'finished',
      ...(stop !== undefined && { stoppedBy: stop.by }),
    };
    await this.finish(finished, previous);
  }

  /** Saves the run's end, shows it on the report and posts the failures in its thread. */
  async finish(run: SuiteRun, previous: SuiteRun | undefined): Promise<void> {
    const { store, slack, metrics, logger } = this.deps;
    const ended: SuiteRun = { ...run, finishedAt: new Date().toISOString() };
    await store.suites.saveRun(ended);
    const changes = changesSince(previous, ended.results);
    await slack.update(ended.channel, ended.reportTs, suiteReport({ run: ended, ...(changes && { changes }) }));
    const counts = { passed: 0, failed: 0, errored: 0 };
    for (const result of ended.results) counts[result.outcome] += 1;
    const outcome =
      ended.state !== 'finished'
        ? ended.state
        : counts.errored > 0
          ? 'errored'
          : counts.failed > 0
            ? 'failed'
            : 'passed';
    metrics.suiteRuns.inc({ outcome });
    logger.info({ suiteRun: { id: ended.id, suite: ended.suite, state: ended.state, ...counts } }, 'suite run');
    for (const [index, result] of ended.results.entries()) {
      if (result.outcome === 'passed') continue;
      await slack.post(ended.channel, caseFailureMessage(ended, index, result), ended.reportTs);
    }
  }

  /** One case in a new debug chat; undefined when the run was halted before it finished. */
  private async runCase(
    testCase: TestCase,
    overrides: RunOverrides,
    halted: () => boolean,
  ): Promise<CaseResult | undefined> {
    const { polyai } = this.deps;
    const settings = runSettings(testCase, overrides);
    const actual: ActualTurn[] = [];
    let conversationId = '';
    let turnNumber = 0;
    try {
      const correlationId = randomUUID();
      const started = performance.now();
      const greeting = await polyai.createDebugChat(settings.agentId, createBody(settings), correlationId);
      conversationId = greeting.conversationId;
      const conversation = { ...settings, conversationId };
      const ms = Math.round(performance.now() - started);
      let ended =
        (await collectReplies(polyai, conversation, greeting, ms, correlationId, async () => {})).conversationEnded ===
        true;
      for (const [i, turn] of testCase.turns.entries()) {
        if (halted()) return undefined;
        turnNumber = i + 1;
        if (ended) {
          return {
            name: testCase.name,
            outcome: 'failed',
            conversationId,
            actual,
            problem: {
              turn: turnNumber,
              user: turn.user,
              check: 'ended',
              detail: `the agent ended the conversation before turn ${turnNumber}`,
            },
          };
        }
        const now: ActualTurn = { reply: '', functions: [], ended: false };
        const replies: string[] = [];
        const turnCorrelation = randomUUID();
        const asked = performance.now();
        const first = await sendTurn(polyai, conversation, turn.user, turnCorrelation);
        const last = await collectReplies(
          polyai,
          conversation,
          first,
          Math.round(performance.now() - asked),
          turnCorrelation,
          async (reply) => {
            replies.push(reply.response);
            now.functions.push(...calledFunctions(reply.metadata));
          },
        );
        now.reply = replies.join('\n');
        now.ended = ended = last.conversationEnded === true;
        actual.push(now);
        const failure = failedCheck(turn, now);
        if (failure !== undefined) {
          return {
            name: testCase.name,
            outcome: 'failed',
            conversationId,
            actual,
            problem: { turn: turnNumber, user: turn.user, ...failure },
          };
        }
      }
      return { name: testCase.name, outcome: 'passed', conversationId, actual };
    } catch (error) {
      if (!(error instanceof PolyAIError)) throw error;
      return {
        name: testCase.name,
        outcome: 'errored',
        conversationId,
        actual,
        problem: {
          turn: turnNumber,
          user: testCase.turns[turnNumber - 1]?.user ?? '',
          check: 'error',
          detail: error.kind === 'timeout' ? 'PolyAI did not answer in time' : error.message,
          ...(error.code !== undefined && { code: error.code }),
          ...(error.correlationId !== undefined && { correlationId: error.correlationId }),
        },
      };
    }
  }

  /** A Stop press: the run stops after the turns under way; 'over' when it is not running any more. */
  async stop(id: string, user: string): Promise<'stopping' | 'over'> {
    const run = await this.deps.store.suites.run(id);
    if (run === undefined || run.state !== 'running') return 'over';
    await this.deps.store.suites.requestStop(id, user);
    return 'stopping';
  }

  /**
   * A run still marked running whose heartbeat stopped (its instance crashed or was restarted):
   * reported as interrupted, by exactly one instance.
   */
  async reapIfStale(run: SuiteRun): Promise<boolean> {
    if (run.state !== 'running' || Date.now() - Date.parse(run.heartbeatAt) < this.staleMs) return false;
    if (!(await this.deps.store.suites.claim(`interrupted:${run.id}`))) return false;
    const suite = await this.deps.store.suites.suite({ channel: run.channel, name: run.suite });
    const previous =
      suite === undefined
        ? undefined
        : await this.previousRun({ ...suite, runs: suite.runs.filter((id) => id !== run.id) });
    await this.finish({ ...run, state: 'interrupted' }, previous);
    return true;
  }
}
