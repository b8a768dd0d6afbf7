import type { SlackMessage } from '../outbound/slack/poster.js';
import { ALL_USAGE, exampleFor, HELP_TOPICS, type HelpTopic, type UsageError } from './commands.js';
import { escapeText } from './text.js';

/** The five commands people use most, each as a real example to copy, and what it does. */
const MOST_USED: Array<[example: string, what: string]> = [
  [
    '/polychat I want to change my booking',
    "starts a debug chat with this channel's agent in a new thread; every reply there is your next turn",
  ],
  ['/polychat agent agent-1', "makes `agent-1` this channel's agent (so you need not type `agent=` each time)"],
  ['/polychat agent=agent-1 env=pre-release lang=en-GB', 'a chat with another agent, environment or language'],
  ['/polychat list limit=5', "the agent's last 5 calls, each with *Open*"],
  ['/polychat call CA3f9c2e7d', 'opens a call for review in a thread: transcript, audio, note, annotations'],
];

function mostUsed(): string[] {
  return MOST_USED.map(([example, what]) => `• \`${example}\` — ${what}`);
}

const TOPICS_LINE = `More: ${HELP_TOPICS.map((topic) => `\`/polychat help ${topic}\``).join(' · ')}`;

/** The short help: what polychat is, the five commands to start with, and where the rest is. */
export const HELP_TEXT = [
  '*polychat* lets you talk to PolyAI agents and review their calls in Slack threads.',
  '',
  ...mostUsed(),
  '',
  TOPICS_LINE,
].join('\n');

/** `/polychat help TOPIC`: the rest of each area, from spec §2, §3, §4, §7 and §8, each with examples. */
const TOPIC_TEXT: Record<HelpTopic, string[]> = {
  chat: [
    '*Debug chats*: talk to an agent in a thread.',
    '• `/polychat Hi, I need a table for two` starts a chat; reply in its thread to keep talking.',
    '• Options go before the first message: `agent=agent-1`, `env=sandbox|pre-release|live`, `variant=v7`, `lang=en-GB`, `details=on` (a trace line under each answer), `channel=voice|webchat`, `attr.NAME=VALUE` (integration attributes). Example: `/polychat env=live variant=v7 details=on Where is my order?`',
    '• `@polychat` in any thread starts a chat bound to that thread (same options, e.g. `@polychat env=pre-release Hello`); `@polychat end` ends it.',
    "• `/polychat agent agent-1 details=on` sets this channel's agent and trace line.",
    '• `/polychat resume conv-8d1e4b` continues an existing debug chat in a new thread.',
    "• Each answer's *⋯* menu: *Details* (flow, functions, state changes, retrieval, latency), *Annotate this turn*, *Copy conversation ID*.",
    "• The chat's first message has *End*, *Restart* (same settings, new thread) and *Replay…* (your turns again against another environment, variant or language, compared turn by turn).",
  ],
  calls: [
    '*Call review*: real calls, in a thread each.',
    '• `/polychat list limit=5` (or `list agent=agent-2`): recent calls, each with *Open*.',
    '• `/polychat call CA3f9c2e7d` opens one: summary, transcript one turn a message, buttons for audio, note and annotation. An Agent Studio link works too.',
    '• `/polychat audio CA3f9c2e7d direction=user` uploads the recording (`combined`, `user` or `agent`); redacted unless you may hear unredacted audio, which comes to you privately.',
    "• `/polychat note CA3f9c2e7d Caller asked for a refund twice` sets the call's note.",
    '• Message shortcuts *Annotate call* and *Add note to call* work on any message; on a transcript turn they fill in the turn.',
    "• `/polychat sample 10 since=24h` posts 10 random calls for the day's review; *Claim* and *Mark reviewed* on a review say who has it; `/polychat queue` lists this channel's reviews not yet done.",
  ],
  tests: [
    '*Regression suites*: keep a debug chat as a test case, run it again later.',
    "• *Save as test…* on a chat's first message, or `@polychat save as test booking happy-path` in its thread, saves its turns and what the agent did.",
    "• `/polychat test list`: this channel's suites and their last result.",
    '• `/polychat test run booking env=pre-release` runs every case (also `variant=`, `lang=`); failed cases come with *Open as thread* and *Accept*.',
    '• `/polychat test schedule booking daily 07:30` (or `hourly`, `weekdays 09:00`) runs it on a schedule here; `/polychat test unschedule booking` stops it.',
    '• `/polychat test export booking` uploads the suite as YAML; share a YAML file with `@polychat test import` to add cases. Checks per turn: `reply: same|any`, `contains:`, `matches:`, `functions:`, `ended:`.',
  ],
  search: [
    '*Search and samples* (PolyAI Conversations API v3).',
    '• `/polychat search refund` finds calls of the last 7 days whose transcript mentions it, shown only to you, each with *Open*.',
    '• `/polychat search mode=semantic side=user since=30d wants to cancel` searches by meaning, in what callers said. Also `agent=`, `env=` (default `live`), `until=`; times are `30m`, `24h`, `7d`, a date like `2026-11-01`, or an ISO time.',
    '• `/polychat sample 10 since=24h` posts 10 random calls (at most 20) for review, each with *Open* and *Claim*.',
    '• These need `POLYAI_ACCOUNT_ID` and `POLYAI_CONVERSATIONS_API_KEY` set by an admin.',
  ],
  watch: [
    '*Watches*: new calls that match, posted here as they happen.',
    '• `/polychat watch handoff score<0.5 name=escalations` posts each new call that was handed off and scored under 0.5.',
    '• Conditions (all must hold): `handoff`, `score<X` (PolyScore), `tag=NAME`, `longer=10m`; also `agent=`, `env=`.',
    "• `/polychat watches` lists this channel's watches; `/polychat unwatch escalations` (or `unwatch all`) stops them.",
    '• Each call comes once, as a card with *Open* and *Claim*; a failing check is said once here, and so is its recovery.',
  ],
};

function message(text: string): SlackMessage {
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
}

export function helpMessage(topic?: HelpTopic): SlackMessage {
  if (topic === undefined) return message(HELP_TEXT);
  return message([...TOPIC_TEXT[topic], '', TOPICS_LINE].join('\n'));
}

/**
 * Bad input: what was wrong, then how to type it and an example. An unknown command gets
 * the short help rather than every usage line at once.
 */
export function usageMessage(error: UsageError): SlackMessage {
  const problem = `:warning: ${escapeText(error.message)}.`;
  if (error.usage === ALL_USAGE) {
    const start = `Usage: \`/polychat [options] [first message]\` starts a chat; these are the commands people use most:`;
    return message([problem, start, ...mostUsed(), TOPICS_LINE].join('\n'));
  }
  const example = exampleFor(error.usage);
  const lines = [
    problem,
    `Usage: \`${error.usage}\``,
    ...(example === undefined ? [] : [`Example: \`${example}\``]),
    'Type `/polychat help` for everything polychat can do.',
  ];
  return message(lines.join('\n'));
}
