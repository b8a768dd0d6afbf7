import type { FunctionCallRecord, SessionSettings } from './records.js';

/** A function a turn's check expects; `arguments`, when given, must match too. */
export interface FunctionExpectation {
  name: string;
  arguments?: unknown;
}

/** What a turn of a test case is judged by (spec §7); absent checks are not made. */
export interface TurnChecks {
  /** `same`: the reply text must equal the expected one (whitespace aside); `any`: not compared. */
  reply: 'same' | 'any';
  contains?: string[];
  /** A regular expression the reply must match. */
  matches?: string;
  /** The functions that must be called, no more and no fewer (`[]`: none). */
  functions?: FunctionExpectation[];
  ended?: boolean;
}

/** One user turn of a case, with what the agent did when it was saved (or last accepted). */
export interface CaseTurn {
  user: string;
  /** The agent's reply text, the replies of a delayed response joined by new lines. */
  reply: string;
  functions: FunctionCallRecord[];
  checks: TurnChecks;
}

export interface TestCase {
  name: string;
  settings: SessionSettings;
  turns: CaseTurn[];
  savedBy: string;
  savedAt: string;
}

export type ScheduleEvery = { kind: 'hourly' } | { kind: 'daily' | 'weekdays'; time: string };

/** A suite's schedule: its slots, what each run overrides, and the last slot claimed. */
export interface SuiteSchedule {
  every: ScheduleEvery;
  overrides: RunOverrides;
  by: string;
  /** Slots after this time are due (the time the schedule was set, then the last slot run). */
  after: string;
}

export interface RunOverrides {
  clientEnv?: SessionSettings['clientEnv'];
  variantId?: string;
  lang?: string;
}

/** A named group of test cases of one channel. */
export interface Suite {
  channel: string;
  name: string;
  cases: TestCase[];
  schedule?: SuiteSchedule;
  /** Run IDs, newest first, bounded. */
  runs: string[];
}

export type CaseOutcome = 'passed' | 'failed' | 'errored';

/** Why a case did not pass: the turn it stopped at and what was wrong. */
export interface CaseProblem {
  /** 1-based user turn. */
  turn: number;
  user: string;
  /** The check that failed (`reply`, `contains`, …), or `error` for an upstream error. */
  check: string;
  detail: string;
  expected?: string;
  actual?: string;
  /** PolyAI's error code and correlation ID, for errored cases. */
  code?: string;
  correlationId?: string;
}

/** What one turn actually did in a run, kept so Accept can make it the expected one. */
export interface ActualTurn {
  reply: string;
  functions: FunctionCallRecord[];
  ended: boolean;
}

export interface CaseResult {
  name: string;
  outcome: CaseOutcome;
  conversationId: string;
  problem?: CaseProblem;
  /** The turns it ran, in order (up to the one that failed or errored). */
  actual: ActualTurn[];
}

export type RunState = 'running' | 'finished' | 'stopped' | 'interrupted';

export interface SuiteRun {
  id: string;
  channel: string;
  suite: string;
  /** The report message in the channel. */
  reportTs: string;
  startedBy: string;
  /** The schedule slot this run is for, when scheduled. */
  slot?: string;
  overrides: RunOverrides;
  state: RunState;
  startedAt: string;
  finishedAt?: string;
  /** Renewed while the run goes; a running run whose heartbeat is old was cut short. */
  heartbeatAt: string;
  total: number;
  results: CaseResult[];
  stoppedBy?: string;
}
