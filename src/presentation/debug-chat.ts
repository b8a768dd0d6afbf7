import type { Button, KnownBlock, Overflow } from '@slack/types';
import type { SlackMessage, SpeakerIdentity } from '../outbound/slack/poster.js';
import type { Session, SessionOrigin, SessionSettings } from '../outbound/store/records.js';
import type { ClientEnv } from '../platform/config.js';
import { saveAsTestButton } from './suites.js';
import { code, escapeText, SECTION_TEXT_LIMIT, shown, splitText, truncate } from './text.js';

export type SessionState = 'starting' | 'active' | 'ended' | 'failed';

/** Action IDs of the buttons on a session's root message. */
export const SESSION_ACTIONS = {
  end: 'session_end',
  restart: 'session_restart',
  replay: 'session_replay',
} as const;

function originLine(origin: SessionOrigin): string {
  // Permalinks come from Slack's own API, so they are safe to put in a link.
  const from = (text: string) => (origin.link === undefined ? text : `<${origin.link}|${text}>`);
  switch (origin.kind) {
    case 'restart':
      return `:arrows_counterclockwise: Restarted from ${from('an earlier thread')}, with the same settings.`;
    case 'replay':
      return `:repeat: Replays the user turns of ${from('an earlier thread')}.`;
    case 'resume':
      return ':leftwards_arrow_with_hook: Continues an existing conversation.';
  }
}

const endButton: Button = {
  type: 'button',
  action_id: SESSION_ACTIONS.end,
  text: { type: 'plain_text', text: 'End' },
  value: 'end',
  confirm: {
    title: { type: 'plain_text', text: 'End this session?' },
    text: { type: 'plain_text', text: 'Later replies in this thread will not reach the agent.' },
    confirm: { type: 'plain_text', text: 'End' },
    deny: { type: 'plain_text', text: 'Keep talking' },
  },
};

const restartButton: Button = {
  type: 'button',
  action_id: SESSION_ACTIONS.restart,
  text: { type: 'plain_text', text: 'Restart' },
  value: 'restart',
};

const replayButton: Button = {
  type: 'button',
  action_id: SESSION_ACTIONS.replay,
  text: { type: 'plain_text', text: 'Replay…' },
  value: 'replay',
};

/**
 * The session's settings on one line, naming only what differs from a plain start: the
 * environment when it is not the app's default, and the variant, language, channel,
 * attributes and trace line when set. The conversation ID is always there, to copy.
 */
function settingsLine(
  settings: SessionSettings,
  conversationId: string | undefined,
  defaultEnv: ClientEnv | undefined,
): string {
  const attributes = Object.entries(settings.integrationAttributes ?? {});
  return [
    ...(settings.clientEnv === defaultEnv ? [] : [`*${settings.clientEnv}*`]),
    ...(settings.variantId === undefined ? [] : [`variant ${code(settings.variantId)}`]),
    ...(settings.lang === undefined ? [] : [`language ${code(settings.lang)}`]),
    ...(settings.polyaiChannel === undefined ? [] : [`channel ${code(settings.polyaiChannel)}`]),
    ...attributes.map(([k, v]) => `${code(k)}=${code(v)}`),
    ...(settings.details ? ['trace line on'] : []),
    `conversation ${conversationId === undefined ? '_starting…_' : code(conversationId)}`,
  ].join('  ·  ');
}

function stateLine(session: Pick<Session, 'ended'>, state: SessionState): string {
  switch (state) {
    case 'starting':
      return ':hourglass_flowing_sand: Starting the session…';
    case 'failed':
      return ':warning: The session could not start; see the thread.';
    case 'ended': {
      const ended = session.ended;
      if (ended?.reason === 'user' && ended.by !== undefined) return `:checkered_flag: Ended by <@${ended.by}>.`;
      if (ended?.reason === 'upstream')
        return ':checkered_flag: Ended: PolyAI no longer accepts turns for this conversation.';
      return ':checkered_flag: The agent ended the conversation.';
    }
    case 'active':
      return 'Reply in this thread to talk to the agent. `@polychat end` ends the session.';
  }
}

/** The buttons under a session's root message in `state`, in the order they are shown. */
function sessionControls(state: SessionState): Button[] {
  if (state === 'active') return [endButton, restartButton, replayButton, saveAsTestButton];
  if (state === 'ended') return [restartButton, replayButton, saveAsTestButton];
  return [];
}

/**
 * The root message of a debug-chat thread: who started a chat with which agent, its settings
 * on one line, its state, and the controls under them. `defaultEnv` is the environment a chat
 * gets when none is named, left unsaid.
 */
export function sessionRoot(
  session: SessionSettings & Pick<Session, 'startedBy' | 'ended' | 'origin'> & { conversationId?: string },
  state: SessionState,
  defaultEnv?: ClientEnv,
): SlackMessage {
  const title = `:speech_balloon: *Debug chat* with ${code(session.agentId)}, started by <@${session.startedBy}>`;
  const lines = [
    settingsLine(session, session.conversationId, defaultEnv),
    ...(session.origin === undefined ? [] : [originLine(session.origin)]),
    stateLine(session, state),
  ];
  const controls = sessionControls(state);
  const blocks: KnownBlock[] = [
    { type: 'section', text: { type: 'mrkdwn', text: title } },
    // One context block a line: Slack lays out the elements of one context side by side.
    ...lines.map(
      (text): KnownBlock => ({
        type: 'context',
        elements: [{ type: 'mrkdwn', text: truncate(text, SECTION_TEXT_LIMIT) }],
      }),
    ),
    ...(controls.length === 0 ? [] : [{ type: 'actions' as const, block_id: 'session_controls', elements: controls }]),
  ];
  const text = `Debug chat with ${session.agentId} (${session.clientEnv}), conversation ${session.conversationId ?? 'starting'}, started by <@${session.startedBy}>`;
  return { text, blocks };
}

/** Slack's limit on a message's custom username. */
const USERNAME_LIMIT = 80;

/**
 * Who an agent's answers are posted as, so a thread reads as people and the agent talking:
 * the agent and its environment (and variant), under an icon that is not polychat's.
 */
export function agentSpeaker(settings: Pick<SessionSettings, 'agentId' | 'clientEnv' | 'variantId'>): SpeakerIdentity {
  const name = [
    settings.agentId,
    settings.clientEnv,
    ...(settings.variantId === undefined ? [] : [settings.variantId]),
  ];
  return { username: truncate(name.join(' · '), USERNAME_LIMIT), icon_emoji: AGENT_ICON };
}

/** The agent's icon; polychat's own messages keep the app's. */
export const AGENT_ICON = ':robot_face:';

/**
 * The agent's reply, escaped so it can never ping anyone, split into as many messages as
 * Slack's limits need, and posted as `speaker`. `footer` blocks go under the last one,
 * `accessory` (the turn's menu) beside its text.
 */
export function agentReply(
  response: unknown,
  speaker: SpeakerIdentity,
  footer: KnownBlock[] = [],
  accessory?: Overflow,
): SlackMessage[] {
  // Upstream may send a number or an object where text belongs: it is shown as it is.
  const body = shown(response).trim() === '' ? '_(the agent replied with no text)_' : escapeText(response);
  const chunks = splitText(body);
  return chunks.map((chunk, i) => {
    const last = i === chunks.length - 1;
    return {
      text: chunk,
      as: speaker,
      blocks: [
        {
          type: 'section',
          text: { type: 'mrkdwn', text: chunk },
          ...(last && accessory !== undefined && { accessory }),
        },
        ...(last ? footer : []),
      ],
    };
  });
}

/**
 * The first message of `/polychat …`, which Slack shows no one, posted before the agent answers
 * it: under the person's own name and avatar when Slack gives them, else marked as theirs.
 */
export function firstMessageShown(user: string, text: string, person: SpeakerIdentity | undefined): SlackMessage {
  return person === undefined
    ? { text: `*<@${user}>:* ${escapeText(text)}` }
    : { text: truncate(escapeText(text), SECTION_TEXT_LIMIT), as: person };
}

export function conversationEndedNotice(by: 'agent' | 'upstream' | { user: string }): SlackMessage {
  const text =
    by === 'agent'
      ? ':checkered_flag: The agent ended the conversation. Replies here no longer reach it; start a new one with `/polychat`.'
      : by === 'upstream'
        ? ':checkered_flag: PolyAI says this conversation has ended. Start a new one with `/polychat`.'
        : `:checkered_flag: <@${by.user}> ended the session. Replies here no longer reach the agent.`;
  return { text };
}

/** Said in the old thread when its session is restarted in a new one. */
export function restartedNotice(user: string, link: string | undefined): SlackMessage {
  const where = link === undefined ? 'a new thread in this channel' : `<${link}|a new thread>`;
  return { text: `:arrows_counterclockwise: <@${user}> restarted this session with the same settings in ${where}.` };
}

/**
 * Told (ephemerally) to someone who replies in a thread whose session is over. A session a
 * person ended was meant to stop, so it is not offered for resuming.
 */
export function endedHint(ended: Session['ended']): SlackMessage {
  if (ended?.reason === 'user' && ended.by !== undefined) {
    return {
      text: `<@${ended.by}> ended this debug chat, so your reply was not sent to the agent. Start a new one with \`/polychat\`.`,
    };
  }
  return {
    text: 'This debug chat has ended, so your reply was not sent. Start a new one with `/polychat`, or `/polychat resume CONVERSATION` to continue one.',
  };
}
