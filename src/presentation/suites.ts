import type { Button, KnownBlock, ModalView, PlainTextOption } from '@slack/types';
import { diffWords } from 'diff';
import type { SlackMessage } from '../outbound/slack/poster.js';
import type { ThreadRef } from '../outbound/store/records.js';
import type { CaseResult, RunOverrides, ScheduleEvery, Suite, SuiteRun } from '../outbound/store/suite-records.js';
import { section } from './blocks.js';
import { code, escapeText, truncate } from './text.js';

export const SUITE_ACTIONS = {
  save: 'suite_save_open',
  stop: 'suite_stop',
  open: 'suite_open_thread',
  accept: 'suite_accept',
} as const;

/** The Save as test modal's callback and inputs (block ID, action ID). */
export const SAVE_VIEW = 'suite_save_submit';
export const SAVE_INPUTS = {
  existing: { block: 'suite_existing', action: 'suite' },
  name: { block: 'suite_new', action: 'suite' },
  caseName: { block: 'suite_case', action: 'case' },
} as const;

/** Suite names are short words, so they can be typed in commands and used as file names. */
export const SUITE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
export const SUITE_NAME_RULE = 'letters, digits, "-", "_" or "." (up to 64)';
const CASE_NAME_LIMIT = 150;

/** What changed since the suite's previous finished run. */
export interface RunChanges {
  newFailures: string[];
  fixed: string[];
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function overridesText(overrides: RunOverrides): string {
  const parts = [
    overrides.clientEnv === undefined ? undefined : `env ${code(overrides.clientEnv)}`,
    overrides.variantId === undefined ? undefined : `variant ${code(overrides.variantId)}`,
    overrides.lang === undefined ? undefined : `lang ${code(overrides.lang)}`,
  ].filter((p): p is string => p !== undefined);
  return parts.length === 0 ? 'the saved settings' : parts.join(' · ');
}

export function scheduleText(every: ScheduleEvery): string {
  return every.kind === 'hourly' ? 'hourly' : `${every.kind} at ${every.time}`;
}

function counts(results: CaseResult[]): { passed: number; failed: number; errored: number } {
  const c = { passed: 0, failed: 0, errored: 0 };
  for (const r of results) c[r.outcome] += 1;
  return c;
}

/** "3 passed · 1 failed · 0 errored" */
export function countsText(results: CaseResult[]): string {
  const c = counts(results);
  return `:white_check_mark: ${c.passed} passed · :x: ${c.failed} failed · :warning: ${c.errored} errored`;
}

function duration(run: SuiteRun): string {
  const ms = Date.parse(run.finishedAt ?? new Date().toISOString()) - Date.parse(run.startedAt);
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m ${s % 60}s`;
}

function changesLine(changes: RunChanges | undefined): string | undefined {
  if (changes === undefined) return '_First run of this suite: nothing to compare with._';
  if (changes.newFailures.length === 0 && changes.fixed.length === 0) return 'No change since the previous run.';
  const list = (names: string[]) => names.map((n) => `_${escapeText(n)}_`).join(', ');
  return [
    ':rotating_light: *Changed since the previous run:*',
    changes.newFailures.length > 0
      ? `${plural(changes.newFailures.length, 'new failure')} (${list(changes.newFailures)})`
      : undefined,
    changes.fixed.length > 0 ? `${changes.fixed.length} fixed (${list(changes.fixed)})` : undefined,
  ]
    .filter((p) => p !== undefined)
    .join(' ');
}

/** The run's report in the channel: progress with Stop while it runs; then counts, time and changes (changes first). */
export function suiteReport(view: { run: SuiteRun; changes?: RunChanges }): SlackMessage {
  const { run } = view;
  const name = `*${escapeText(run.suite)}*`;
  const against = overridesText(run.overrides);
  const done = `${run.results.length} of ${plural(run.total, 'case')}`;
  const scheduled = run.slot === undefined ? `started by <@${run.startedBy}>` : 'scheduled';
  let head: string;
  switch (run.state) {
    case 'running':
      head = `:test_tube: Running suite ${name} against ${against} (${scheduled}): ${done} done.`;
      break;
    case 'finished':
      head = `:test_tube: Suite ${name} ran against ${against} (${scheduled}) in ${duration(run)}.`;
      break;
    case 'stopped':
      head = `:octagonal_sign: Suite ${name} was stopped${run.stoppedBy === undefined ? '' : ` by <@${run.stoppedBy}>`} after ${done}.`;
      break;
    case 'interrupted':
      head = `:warning: The run of suite ${name} was interrupted (the app stopped or restarted) after ${done}.`;
      break;
  }
  const lines = [
    ...(run.state === 'finished' ? [changesLine(view.changes)] : []),
    head,
    countsText(run.results),
    ...(run.state !== 'running' && run.results.some((r) => r.outcome !== 'passed')
      ? ['Each failed or errored case is in this thread.']
      : []),
  ].filter((l): l is string => l !== undefined);
  const blocks: KnownBlock[] = [section(lines.join('\n'))];
  if (run.state === 'running') {
    blocks.push({
      type: 'actions',
      elements: [
        {
          type: 'button',
          action_id: SUITE_ACTIONS.stop,
          text: { type: 'plain_text', text: 'Stop' },
          style: 'danger',
          value: run.id,
        },
      ],
    });
  }
  return { text: lines.join(' ').replace(/[*_]/g, ''), blocks };
}

/** A word diff of two texts in mrkdwn: removed words struck through, added words in bold. */
export function wordDiff(expected: string, actual: string): string {
  let out = '';
  let marked = false;
  for (const part of diffWords(expected, actual)) {
    const text = escapeText(part.value.replace(/\s+/g, ' '));
    const changed = (part.added || part.removed) && text.trim() !== '';
    if (!changed) {
      out += text;
      marked = false;
      continue;
    }
    const lead = /^\s*/.exec(text)?.[0] ?? '';
    const trail = /\s*$/.exec(text)?.[0] ?? '';
    const core = text.trim().replace(/[~*]/g, '');
    // Slack's ~strike~ and *bold* need a space between them when a removal meets an addition.
    const gap = marked && lead === '' ? ' ' : '';
    out += part.removed ? `${gap}${lead}~${core}~${trail}` : `${gap}${lead}*${core}*${trail}`;
    marked = trail === '';
  }
  return out;
}

function quote(text: string | undefined, limit = 900): string {
  if (text === undefined || text.trim() === '') return '> _(no text)_';
  return truncate(escapeText(text), limit)
    .split('\n')
    .map((line) => `> ${line}`)
    .join('\n');
}

/** A failed or errored case, in the report's thread, with Open as thread and (for failures) Accept. */
export function caseFailureMessage(
  run: SuiteRun,
  index: number,
  result: CaseResult,
  acceptedBy?: string,
): SlackMessage {
  const p = result.problem;
  const name = `_${escapeText(result.name)}_`;
  const where = p === undefined || p.turn === 0 ? 'before its first turn' : `at turn ${p.turn}`;
  const lines: string[] = [];
  if (result.outcome === 'errored') {
    lines.push(`:warning: ${name} *errored* ${where}: ${escapeText(p?.detail ?? 'PolyAI failed')}`);
    const reference = [
      p?.code === undefined ? undefined : `code ${code(p.code)}`,
      p?.correlationId === undefined ? undefined : `correlation ID ${code(p.correlationId)}`,
    ].filter((x) => x !== undefined);
    if (reference.length > 0) lines.push(reference.join(' · '));
  } else {
    lines.push(`:x: ${name} *failed* ${where}, check ${code(p?.check ?? '?')}: ${escapeText(p?.detail ?? '')}`);
  }
  if (p !== undefined && p.turn > 0) lines.push(`*User:* ${truncate(escapeText(p.user), 500)}`);
  if (p?.expected !== undefined) lines.push(`*Expected:*\n${quote(p.expected)}`);
  if (p?.actual !== undefined || p?.check === 'reply') lines.push(`*Actual:*\n${quote(p?.actual)}`);
  if (p?.check === 'reply' && p.expected !== undefined) {
    lines.push(`*Diff:* ${truncate(wordDiff(p.expected, p.actual ?? ''), 900)}`);
  }
  const blocks: KnownBlock[] = [
    section(lines.join('\n')),
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `Conversation ${result.conversationId === '' ? '_none_' : code(result.conversationId)}${acceptedBy === undefined ? '' : ` · :white_check_mark: accepted by <@${acceptedBy}>: these replies are now expected`}`,
        },
      ],
    },
  ];
  const value = `${run.id}|${index}`;
  const buttons: Button[] = [
    { type: 'button', action_id: SUITE_ACTIONS.open, text: { type: 'plain_text', text: 'Open as thread' }, value },
  ];
  if (result.outcome === 'failed' && acceptedBy === undefined) {
    buttons.push({
      type: 'button',
      action_id: SUITE_ACTIONS.accept,
      text: { type: 'plain_text', text: 'Accept' },
      style: 'primary',
      value,
      confirm: {
        title: { type: 'plain_text', text: 'Accept these replies?' },
        text: { type: 'plain_text', text: 'What the agent said and called in this run becomes what the case expects.' },
        confirm: { type: 'plain_text', text: 'Accept' },
        deny: { type: 'plain_text', text: 'Cancel' },
      },
    });
  }
  blocks.push({ type: 'actions', elements: buttons });
  const text = `${result.name} ${result.outcome} ${where}${p?.check === undefined ? '' : ` (${p.check})`}`;
  return { text: truncate(text, 3000), blocks };
}

/** Reads a failure button's value: the run and the result's place in it. */
export function readCaseRef(value: string | undefined): { runId: string; index: number } | undefined {
  const match = /^([^|]+)\|(\d+)$/.exec(value ?? '');
  return match === null ? undefined : { runId: match[1] as string, index: Number(match[2]) };
}

/** A button on a debug chat's root message. */
export const saveAsTestButton: Button = {
  type: 'button',
  action_id: SUITE_ACTIONS.save,
  text: { type: 'plain_text', text: 'Save as test…' },
  value: 'save',
};

function option(value: string): PlainTextOption {
  return { text: { type: 'plain_text', text: truncate(value, 75) }, value };
}

/** The Save as test modal: an existing suite of this channel or a new one, and the case's name. */
export function saveModal(thread: ThreadRef, suites: string[], caseName: string): ModalView {
  return {
    type: 'modal',
    callback_id: SAVE_VIEW,
    private_metadata: JSON.stringify(thread),
    title: { type: 'plain_text', text: 'Save as test' },
    submit: { type: 'plain_text', text: 'Save' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      section("Keeps this thread's settings, user turns and the agent's replies and functions as a test case."),
      ...(suites.length === 0
        ? []
        : [
            {
              type: 'input' as const,
              block_id: SAVE_INPUTS.existing.block,
              optional: true,
              label: { type: 'plain_text' as const, text: 'Suite' },
              element: {
                type: 'static_select' as const,
                action_id: SAVE_INPUTS.existing.action,
                options: suites.slice(0, 100).map(option),
              },
            },
          ]),
      {
        type: 'input',
        block_id: SAVE_INPUTS.name.block,
        optional: suites.length > 0,
        label: { type: 'plain_text', text: suites.length === 0 ? 'Suite name' : 'Or a new suite' },
        hint: { type: 'plain_text', text: `A short name: ${SUITE_NAME_RULE}.` },
        element: { type: 'plain_text_input', action_id: SAVE_INPUTS.name.action, max_length: 64 },
      },
      {
        type: 'input',
        block_id: SAVE_INPUTS.caseName.block,
        label: { type: 'plain_text', text: 'Case name' },
        element: {
          type: 'plain_text_input',
          action_id: SAVE_INPUTS.caseName.action,
          max_length: CASE_NAME_LIMIT,
          ...(caseName !== '' && { initial_value: truncate(caseName, CASE_NAME_LIMIT) }),
        },
      },
    ],
  };
}

/** A case's default name: its first user turn, shortened. */
export function defaultCaseName(firstUserTurn: string): string {
  return truncate(firstUserTurn.replace(/\s+/g, ' ').trim(), 60);
}

type StateValues = Record<
  string,
  Record<string, { value?: string | null; selected_option?: { value: string } | null }>
>;

/** The Save as test modal's fields; errors are keyed by block. */
export function readSaveForm(
  values: StateValues,
): { ok: true; suite: string; caseName: string } | { ok: false; errors: Record<string, string> } {
  const read = (input: { block: string; action: string }) => {
    const element = values[input.block]?.[input.action];
    return (element?.selected_option?.value ?? element?.value ?? '').trim();
  };
  const typed = read(SAVE_INPUTS.name);
  const suite = typed === '' ? read(SAVE_INPUTS.existing) : typed;
  const caseName = read(SAVE_INPUTS.caseName);
  const errors: Record<string, string> = {};
  if (suite === '') errors[SAVE_INPUTS.name.block] = 'Pick a suite or type a new name';
  else if (!SUITE_NAME.test(suite)) errors[SAVE_INPUTS.name.block] = `Use ${SUITE_NAME_RULE}`;
  if (caseName === '') errors[SAVE_INPUTS.caseName.block] = 'Name the case';
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, suite, caseName };
}

/** Said when a case is saved. */
export function savedNotice(
  suite: string,
  caseName: string,
  turns: number,
  replaced: boolean,
  user: string,
): SlackMessage {
  return {
    text: `:floppy_disk: <@${user}> ${replaced ? 'updated' : 'saved'} this thread as test case _${escapeText(caseName)}_ (${plural(turns, 'user turn')}) in suite *${escapeText(suite)}*. Run it with \`/polychat test run ${suite}\`.`,
  };
}

export const NO_USER_TURNS: SlackMessage = {
  text: 'This thread has no user turns yet, so there is nothing to save as a test. Talk to the agent first, then save.',
};

export const NO_SESSION: SlackMessage = { text: 'This thread has no debug chat to save as a test.' };

export function noSuite(name: string): SlackMessage {
  return {
    text: `There is no suite *${escapeText(name)}* in this channel. \`/polychat test list\` shows this channel's suites; save a thread with *Save as test…* on its first message to make one.`,
  };
}

export const RUN_STOPPING: SlackMessage = {
  text: ':hourglass_flowing_sand: The run stops after the turns under way; its report will say when.',
};
export const RUN_OVER: SlackMessage = { text: 'This run is over already.' };

/** One suite's line in `/polychat test list` and the App Home. */
export function suiteLine(suite: Suite, last: SuiteRun | undefined): string {
  const result =
    last === undefined
      ? 'never run'
      : last.state === 'running'
        ? 'running now'
        : `last run ${last.state === 'finished' ? '' : `${last.state}, `}${countsText(last.results)}`;
  const schedule =
    suite.schedule === undefined
      ? 'not scheduled'
      : `runs ${scheduleText(suite.schedule.every)} against ${overridesText(suite.schedule.overrides)}`;
  const cases = suite.cases
    .slice(0, 10)
    .map((c) => `_${escapeText(c.name)}_`)
    .join(', ');
  const more = suite.cases.length > 10 ? ` and ${suite.cases.length - 10} more` : '';
  return `*${escapeText(suite.name)}* in <#${suite.channel}> · ${plural(suite.cases.length, 'case')} · ${schedule} · ${result}\n${cases}${more}`;
}

export function suiteList(lines: string[]): SlackMessage {
  if (lines.length === 0) {
    return {
      text: 'This channel has no test suites yet. Press *Save as test…* on a debug chat, or write `@polychat save as test SUITE` in its thread.',
    };
  }
  return {
    text: `Test suites of this channel: ${lines.length}`,
    blocks: [section('*Test suites of this channel*'), ...lines.slice(0, 45).map((line) => section(line))],
  };
}
