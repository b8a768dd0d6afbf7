import type { SlackMessage } from '../outbound/slack/poster.js';
import { USAGE, type UsageError } from './commands.js';
import { escapeText } from './text.js';

export const HELP_TEXT = [
  '*polychat* talks to PolyAI agents in Slack threads.',
  '',
  '*Debug chat*',
  `• \`${USAGE.start}\` starts a debug chat in a new thread. Every reply in the thread is a user turn.`,
  '• `@polychat [options] [message]` in any thread binds a debug chat to that thread; `@polychat end` ends it.',
  `• \`${USAGE.agent}\` sets this channel's default agent (and whether replies show a trace line).`,
  `• \`${USAGE.resume}\` opens an existing debug chat in a new thread.`,
  '• Every agent reply has a *Details* button (flow, functions, state changes, retrieval, latency); the first message of a debug chat has *End*, *Restart* and *Replay…* (the same user turns against another environment, variant or language, compared turn by turn).',
  '',
  '*Call review*',
  `• \`${USAGE.list}\` lists recent conversations, each with an Open button.`,
  `• \`${USAGE.call}\` opens a call for review: summary, transcript, buttons for audio, note and annotations.`,
  `• \`${USAGE.audio}\` uploads the recording (redacted unless you are allowed unredacted audio).`,
  `• \`${USAGE.note}\` sets the call's note.`,
  '• Message shortcuts *Annotate call* and *Add note to call* work on any message.',
  '',
  '*Finding calls* (Conversations API v3)',
  `• \`${USAGE.search}\` finds calls whose transcript matches, only for you; *More* pages on.`,
  `• \`${USAGE.sample}\` posts random calls here for review, each with *Open* and *Claim*.`,
  `• \`${USAGE.queue}\` lists this channel's call reviews not yet marked reviewed.`,
  `• \`${USAGE.watch}\` posts new matching calls here; \`${USAGE.watches}\` lists them, \`${USAGE.unwatch}\` stops them.`,
  '• Every call-review thread has *Claim* / *Mark reviewed* on its first message.',
  '',
  'CONVERSATION is a conversation ID or an Agent Studio link that contains one.',
].join('\n');

export function helpMessage(): SlackMessage {
  return { text: HELP_TEXT, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: HELP_TEXT } }] };
}

/** Bad input: what was wrong, then how to type it. */
export function usageMessage(error: UsageError): SlackMessage {
  const text = `:warning: ${escapeText(error.message)}.\nUsage:\n\`\`\`${error.usage}\`\`\`\nType \`/polychat help\` for everything polychat can do.`;
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
}
