import { expect } from 'vitest';
import { stringify } from 'yaml';
import { TEST_BOT_USER_ID } from '../support/constants.js';
import type { Reply, TurnContext } from '../support/fake-polyai.js';
import type { SlackCall } from '../support/fake-slack.js';
import { appMention } from '../support/slack-requests.js';
import type { Stack } from '../support/stack.js';
import { sleep, waitUntil } from '../support/wait.js';
import { postsIn, startChat, textOf } from './chat-helpers.js';
import { say } from './session-helpers.js';

/** A scripted agent: `reply(ctx)` says what, `functions(ctx)` names the functions it calls for the turn. */
export function agentScript(
  reply: (ctx: TurnContext) => string,
  functions: (ctx: TurnContext) => Array<{ name: string; arguments?: unknown }> = () => [],
): (ctx: TurnContext) => Reply {
  return (ctx) => ({
    response: reply(ctx),
    metadata: { currentNode: 'Answer', functionEvents: functions(ctx) },
  });
}

/** A debug chat with these user turns said in it; resolves with its thread. */
export async function chatWithTurns(stack: Stack, channel: string, turns: string[], options = '') {
  const chat = await startChat(stack, channel, options);
  for (const turn of turns) await say(stack, channel, chat.rootTs, turn);
  // The turn's transcript is written just after its answer is posted.
  await sleep(150);
  return chat;
}

/** `@polychat <text>` in a thread; resolves with the app's next post or ephemeral there. */
export async function mentionIn(stack: Stack, channel: string, threadTs: string, text: string) {
  const before = new Set(stack.slack.calls);
  await stack.driver.mention({ channel, thread_ts: threadTs, text, alsoMessageEvent: false });
  return nextAnswer(stack, channel, before);
}

/** The app's first post or ephemeral in `channel` that is not in `before`. */
function nextAnswer(stack: Stack, channel: string, before: Set<SlackCall>): Promise<SlackCall> {
  return waitUntil(
    () =>
      stack.slack.calls.find(
        (c) =>
          !before.has(c) &&
          c.response.ok &&
          (c.method === 'chat.postMessage' || c.method === 'chat.postEphemeral') &&
          c.args.channel === channel,
      ),
    8000,
    20,
    "the app's answer",
  );
}

/** Saves a thread as a case with `@polychat save as test SUITE CASE`; resolves with the notice. */
export async function saveCase(stack: Stack, channel: string, threadTs: string, suite: string, name: string) {
  const notice = await mentionIn(stack, channel, threadTs, `save as test ${suite} ${name}`);
  expect(textOf(notice)).toContain('as test case');
  return notice;
}

/** `/polychat <text>` in `channel`; resolves with its ephemeral answer when it gives one within `ms`. */
export async function command(stack: Stack, channel: string, text: string, user = 'U1', driver = stack.driver) {
  const { response, response_url } = await driver.command(text, { channel_id: channel, user_id: user });
  expect(response.status).toBe(200);
  return response_url;
}

export function ephemeralText(stack: Stack, responseUrl: string): Promise<string> {
  const id = responseUrl.split('/').at(-1);
  return waitUntil(() => {
    const found = stack.slack.responses.find((r) => r.id === id);
    return found === undefined ? undefined : JSON.stringify(found.body);
  }, 8000);
}

/** The report messages of runs in `channel` (top-level posts with a Stop button when posted). */
export function reports(stack: Stack, channel: string): SlackCall[] {
  return stack.slack
    .callsTo('chat.postMessage')
    .filter((c) => c.args.channel === channel && c.args.thread_ts === undefined && textOf(c).includes('suite_stop'));
}

/** The latest text of a message the app posted and may have updated since. */
export function latest(stack: Stack, channel: string, ts: string): string {
  const updates = stack.slack.callsTo('chat.update').filter((c) => c.args.channel === channel && c.args.ts === ts);
  const last = updates.at(-1);
  return last === undefined ? '' : textOf(last);
}

/** `/polychat test run …`; resolves when the run's report says it is over: the report's ts and final text. */
export async function runSuite(stack: Stack, channel: string, args: string, timeoutMs = 20_000) {
  const before = reports(stack, channel).length;
  await command(stack, channel, `test run ${args}`);
  const report = await waitUntil(() => reports(stack, channel)[before], 8000, 20, 'the report');
  return finishedReport(stack, channel, String(report.response.ts), timeoutMs);
}

/** Waits for the report at `ts` to show the run's end, and for its failures to be posted. */
export async function finishedReport(stack: Stack, channel: string, ts: string, timeoutMs = 20_000) {
  const text = await waitUntil(
    () => {
      const now = latest(stack, channel, ts);
      return now !== '' && !now.includes('suite_stop') ? now : undefined;
    },
    timeoutMs,
    50,
    'the run to finish',
  );
  const failed = Number(/(\d+) failed/.exec(text)?.[1] ?? 0) + Number(/(\d+) errored/.exec(text)?.[1] ?? 0);
  const failures = await waitUntil(
    () => {
      // Posts Slack refused (429) are retried; only those it took are the failures.
      const posts = postsIn(stack, channel, ts).filter((c) => c.response.ok);
      return posts.length >= failed ? posts : undefined;
    },
    8000,
    20,
    'the failure messages',
  );
  return { ts, text, failures };
}

/** `@polychat test import` with `file` shared in the same message. */
export async function importFile(stack: Stack, channel: string, name: string, content: string, driver = stack.driver) {
  const file = stack.slack.hostFile(name, content);
  const before = new Set(stack.slack.calls);
  const event = { ...appMention({ channel, text: `<@${TEST_BOT_USER_ID}> test import` }), files: [file] };
  await driver.event(event);
  return nextAnswer(stack, channel, before);
}

export interface YamlCase {
  name: string;
  env?: string;
  turns: Array<{ user: string; reply: string; checks?: Record<string, unknown> }>;
}

/** A suite file as `/polychat test export` writes one. */
export function suiteYaml(suite: string, cases: YamlCase[]): string {
  return stringify({
    suite,
    cases: cases.map((c) => ({
      name: c.name,
      settings: { agent: 'agent-1', env: c.env ?? 'sandbox' },
      turns: c.turns.map((t) => ({
        user: t.user,
        reply: t.reply,
        ...(t.checks !== undefined && { checks: t.checks }),
      })),
    })),
  });
}

/**
 * `count` cases of `turns` turns that the fake agent passes as it answers by default ("You said:
 * …"); `reply` may expect something else of some turns, to make them fail.
 */
export function echoCases(
  count: number,
  turns: number,
  reply: (i: number, n: number) => string = (_i, n) => `You said: turn ${n}`,
): YamlCase[] {
  return Array.from({ length: count }, (_, i) => ({
    name: `case ${i}`,
    turns: Array.from({ length: turns }, (_, n) => ({ user: `turn ${n}`, reply: reply(i, n) })),
  }));
}

/**
 * Imports a suite of 12 three-turn cases and starts it with the fake agent answering slowly, so
 * that it is still running when the test acts on it; resolves with the report message.
 */
export async function startSlowRun(stack: Stack, channel: string, suite: string, driver = stack.driver) {
  await importFile(stack, channel, `${suite}.yaml`, suiteYaml(suite, echoCases(12, 3)), driver);
  stack.polyai.latencyMs = 200;
  await command(stack, channel, `test run ${suite}`, 'U1', driver);
  return waitUntil(() => reports(stack, channel)[0], 8000, 20, 'the report');
}
