import type { HomeView, KnownBlock } from '@slack/types';
import type { ChannelDefaults, Session } from '../outbound/store/records.js';
import { section } from './blocks.js';
import { HELP_TEXT } from './help.js';
import { code, escapeText, slackDate } from './text.js';

/** What the App Home shows of one person: recent debug chats (with links) and the channel defaults they set. */
export interface UserOverview {
  sessions: Array<{ session: Session; link?: string }>;
  defaults: Array<{ channel: string; defaults: ChannelDefaults }>;
  /** Test suites of the channels they work in, one line each (presentation/suites.ts suiteLine). */
  suites?: string[];
}

const CHANNEL_NAMES: Record<string, string> = { 'chat.polyai': 'voice', 'webchat.polyai': 'webchat' };

function stateOf(session: Session): string {
  if (session.ended !== undefined) {
    return session.conversationId === '' ? ':warning: could not start' : ':checkered_flag: ended';
  }
  return session.conversationId === '' ? ':hourglass_flowing_sand: starting' : ':large_green_circle: active';
}

function sessionLine({ session, link }: UserOverview['sessions'][number]): string {
  const name = `Debug chat with ${escapeText(session.agentId)}`;
  const origin = session.origin === undefined ? '' : ` _(${session.origin.kind})_`;
  return [
    `${link === undefined ? `*${name}*` : `*<${link}|${name}>*`}${origin}`,
    code(session.clientEnv),
    ...(session.variantId === undefined ? [] : [`variant ${code(session.variantId)}`]),
    session.polyaiChannel === undefined
      ? 'default channel'
      : (CHANNEL_NAMES[session.polyaiChannel] ?? escapeText(session.polyaiChannel)),
    `in <#${session.channel}>`,
    `started ${slackDate(session.startedAt, '{date_short_pretty} {time}')}`,
    stateOf(session),
  ].join(' · ');
}

function note(text: string): KnownBlock {
  return { type: 'context', elements: [{ type: 'mrkdwn', text }] };
}

/** The App Home tab: the person's recent sessions with links, the channel defaults they set, and the usage. */
export function homeView(overview: UserOverview): HomeView {
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: 'polychat' } },
    section('Talk to PolyAI agents in Slack threads. Type `/polychat` in a channel to start a debug chat.'),
    { type: 'divider' },
    section('*Your recent debug chats*'),
    ...(overview.sessions.length === 0
      ? [note('None yet. Start one with `/polychat` in any channel I am in.')]
      : overview.sessions.map((entry) => section(sessionLine(entry)))),
    { type: 'divider' },
    section('*Channel defaults you set*'),
    overview.defaults.length === 0
      ? note("None yet. `/polychat agent ID` in a channel sets that channel's default agent.")
      : section(
          overview.defaults
            .slice(0, 25)
            .map(
              ({ channel, defaults }) =>
                `<#${channel}>: agent ${defaults.agentId === undefined ? '_not set_' : code(defaults.agentId)}, turn details ${defaults.details === true ? 'on' : 'off'}`,
            )
            .join('\n'),
        ),
    { type: 'divider' },
    section('*Test suites in your channels*'),
    ...(overview.suites === undefined || overview.suites.length === 0
      ? [note('None yet. Press *Save as test…* on a debug chat to start a suite.')]
      : overview.suites.slice(0, 20).map((line) => section(line))),
    { type: 'divider' },
    section(HELP_TEXT),
  ];
  return { type: 'home', blocks };
}
