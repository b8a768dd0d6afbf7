import { isDeepStrictEqual } from 'node:util';
import type { FunctionCallRecord } from '../../outbound/store/records.js';
import type {
  ActualTurn,
  CaseTurn,
  FunctionExpectation,
  TestCase,
  TurnChecks,
} from '../../outbound/store/suite-records.js';

/** Texts compare after whitespace is normalised: a new line or a double space is not a change. */
export function normalise(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** What a failed check says: which check, why, and the expected and actual values where they help. */
export interface CheckFailure {
  check: string;
  detail: string;
  expected?: string;
  actual?: string;
}

const names = (calls: FunctionExpectation[] | FunctionCallRecord[]) => calls.map((c) => c.name).join(', ') || 'none';

/** The default checks of a saved turn: the same reply, the same functions. */
export function defaultChecks(functions: FunctionCallRecord[]): TurnChecks {
  return { reply: 'same', functions: functions.map((f) => ({ name: f.name })) };
}

function functionsFailure(expected: FunctionExpectation[], actual: FunctionCallRecord[]): CheckFailure | undefined {
  const left = [...actual];
  for (const want of expected) {
    const at = left.findIndex(
      (call) =>
        call.name === want.name && (want.arguments === undefined || isDeepStrictEqual(call.arguments, want.arguments)),
    );
    if (at === -1) {
      const called = actual.some((call) => call.name === want.name);
      return {
        check: 'functions',
        detail: called ? `${want.name} was called with other arguments` : `${want.name} was not called`,
        expected: names(expected),
        actual: names(actual),
      };
    }
    left.splice(at, 1);
  }
  if (left.length > 0) {
    return {
      check: 'functions',
      detail: `${names(left)} ${left.length === 1 ? 'was' : 'were'} called but not expected`,
      expected: names(expected),
      actual: names(actual),
    };
  }
  return undefined;
}

/** The first check of `turn` that `actual` fails, in the order spec §7 lists them; undefined when it passes. */
export function failedCheck(turn: CaseTurn, actual: ActualTurn): CheckFailure | undefined {
  const { checks } = turn;
  const reply = normalise(actual.reply);
  if (checks.reply === 'same' && reply !== normalise(turn.reply)) {
    return { check: 'reply', detail: 'the reply is not the same', expected: turn.reply, actual: actual.reply };
  }
  for (const phrase of checks.contains ?? []) {
    if (!reply.toLowerCase().includes(normalise(phrase).toLowerCase())) {
      return { check: 'contains', detail: `the reply does not contain "${phrase}"`, actual: actual.reply };
    }
  }
  if (checks.matches !== undefined && !new RegExp(checks.matches).test(reply)) {
    return { check: 'matches', detail: `the reply does not match /${checks.matches}/`, actual: actual.reply };
  }
  if (checks.functions !== undefined) {
    const failure = functionsFailure(checks.functions, actual.functions);
    if (failure !== undefined) return failure;
  }
  if (checks.ended !== undefined && checks.ended !== actual.ended) {
    return {
      check: 'ended',
      detail: checks.ended ? 'the conversation did not end' : 'the agent ended the conversation',
    };
  }
  return undefined;
}

/**
 * A case whose expectations are what `actual` did (Accept): the replies and functions of the turns
 * that ran become the expected ones; function checks keep the arguments they named only where the
 * same call was made again.
 */
export function acceptActual(testCase: TestCase, actual: ActualTurn[]): TestCase {
  const turns = testCase.turns.map((turn, i): CaseTurn => {
    const now = actual[i];
    if (now === undefined) return turn;
    const checks: TurnChecks = { ...turn.checks };
    if (checks.functions !== undefined) {
      checks.functions = now.functions.map((call) => {
        const named = turn.checks.functions?.find((f) => f.name === call.name && f.arguments !== undefined);
        return named === undefined ? { name: call.name } : { name: call.name, arguments: call.arguments };
      });
    }
    if (checks.ended !== undefined) checks.ended = now.ended;
    return { ...turn, reply: now.reply, functions: now.functions, checks };
  });
  return { ...testCase, turns };
}
