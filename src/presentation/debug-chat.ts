import type { Button, KnownBlock } from '@slack/types';
import type { SlackMessage } from '../outbound/slack/poster.js';
import type { Session, SessionOrigin, SessionSettings } from '../outbound/store/records.js';
import { code, escapeText, shown, splitText } from './text.js';

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

function settingsFields(settings: SessionSettings, conversationId: string | undefined): string {
  const attributes = Object.entries(settings.integrationAttributes ?? {});
  return [
    `*Agent:* ${code(settings.agentId)}`,
    `*Environment:* ${settings.clientEnv}`,
    `*Variant:* ${settings.variantId === undefined ? 'default' : code(settings.variantId)}`,
    `*Language:* ${settings.lang ?? 'default'}`,
    ...(settings.polyaiChannel === undefined ? [] : [`*Channel:* ${settings.polyaiChannel}`]),
    ...(attributes.length === 0
      ? []
      : [`*Attributes:* ${attributes.map(([k, v]) => `${code(k)}=${code(v)}`).join(' ')}`]),
    `*Conversation:* ${conversationId === undefined ? '_starting…_' : code(conversationId)}`,
  ].join('\n');
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

/** The root message of a debug-chat thread: who started what, where, and its state. */
export function sessionRoot(
  session: SessionSettings & Pick<Session, 'startedBy' | 'ended' | 'origin'> & { conversationId?: string },
  state: SessionState,
): SlackMessage {
  const title = `:speech_balloon: *Debug chat* with ${code(session.agentId)}, started by <@${session.startedBy}>`;
  const blocks: KnownBlock[] = [
    { type: 'section', text: { type: 'mrkdwn', text: title } },
    { type: 'section', text: { type: 'mrkdwn', text: settingsFields(session, session.conversationId) } },
    ...(session.origin === undefined
      ? []
      : [{ type: 'context' as const, elements: [{ type: 'mrkdwn' as const, text: originLine(session.origin) }] }]),
    { type: 'context', elements: [{ type: 'mrkdwn', text: stateLine(session, state) }] },
  ];
  if (state === 'active' || state === 'ended') {
    blocks.push({
      type: 'actions',
      block_id: 'session_controls',
      elements: state === 'active' ? [endButton, restartButton, replayButton] : [restartButton, replayButton],
    });
  }
  const text = `Debug chat with ${session.agentId} (${session.clientEnv}), conversation ${session.conversationId ?? 'starting'}, started by <@${session.startedBy}>`;
  return { text, blocks };
}

/**
 * The agent's reply, escaped so it can never ping anyone, and split into as many
 * messages as Slack's limits need. `footer` blocks go under the last one, `accessory` beside its text.
 */
export function agentReply(response: unknown, footer: KnownBlock[] = [], accessory?: Button): SlackMessage[] {
  // Upstream may send a number or an object where text belongs: it is shown as it is.
  const body = shown(response).trim() === '' ? '_(the agent replied with no text)_' : escapeText(response);
  const chunks = splitText(body);
  return chunks.map((chunk, i) => {
    const last = i === chunks.length - 1;
    return {
      text: chunk,
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

export const ENDED_HINT: SlackMessage = {
  text: 'This debug chat has ended, so your reply was not sent. Start a new one with `/polychat`, or `/polychat resume CONVERSATION` to continue one.',
};
