/**
 * Requests INTO the app, built and signed exactly as Slack sends them:
 * slash commands and interactivity form-encoded, events as JSON, every one
 * signed with `v0=HMAC-SHA256(secret, "v0:{timestamp}:{body}")`.
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { TEST_APP_ID, TEST_BOT_USER_ID, TEST_SIGNING_SECRET, TEST_TEAM_ID } from './constants.js';
import { nextSlackTs } from './slack-ts.js';

export const FORM = 'application/x-www-form-urlencoded';
export const JSON_TYPE = 'application/json';
const VERIFICATION_TOKEN = 'legacy-verification-token';
const TEAM_DOMAIN = 'polychat-test';
/** A port nothing listens on: a response_url that can never leave the machine. */
const DEAD_RESPONSE_URL = 'http://127.0.0.1:9/respond/none';

// ------------------------------------------------------------------ signing

/** `v0=` + hex HMAC-SHA256 of `v0:${timestamp}:${rawBody}`. */
export function sign(secret: string, timestamp: string | number, rawBody: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`;
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

export interface PostOptions {
  contentType: string;
  secret: string;
  /** seconds; default now */
  timestamp?: number | string;
  retryNum?: number;
  retryReason?: string;
  /** send this instead of the correct signature */
  signature?: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

export interface AppResponse {
  status: number;
  body: string;
  /** body parsed as JSON when it is JSON */
  json?: unknown;
  headers: Record<string, string>;
  /** time until the full response was read */
  ms: number;
}

/** POSTs `rawBody` to `${appUrl}/slack/events`, signed as Slack signs it. */
export async function postToApp(appUrl: string, rawBody: string, opts: PostOptions): Promise<AppResponse> {
  const timestamp = String(opts.timestamp ?? nowSeconds());
  const headers: Record<string, string> = {
    'Content-Type': opts.contentType,
    'User-Agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
    'X-Slack-Request-Timestamp': timestamp,
    'X-Slack-Signature': opts.signature ?? sign(opts.secret, timestamp, rawBody),
    ...opts.headers,
  };
  if (opts.retryNum !== undefined) headers['X-Slack-Retry-Num'] = String(opts.retryNum);
  if (opts.retryReason !== undefined) headers['X-Slack-Retry-Reason'] = opts.retryReason;
  const started = performance.now();
  const res = await fetch(`${appUrl.replace(/\/+$/, '')}/slack/events`, {
    method: 'POST',
    headers,
    body: rawBody,
    signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
  });
  const body = await res.text();
  const ms = performance.now() - started;
  let json: unknown;
  try {
    json = body === '' ? undefined : JSON.parse(body);
  } catch {
    json = undefined;
  }
  return { status: res.status, body, json, headers: Object.fromEntries(res.headers), ms };
}

// ------------------------------------------------------------ payload types

export interface SlackRequest<P> {
  rawBody: string;
  contentType: string;
  payload: P;
}

export interface SlackUserRef {
  id: string;
  username: string;
  name: string;
  team_id: string;
}

export interface MessageLike {
  ts: string;
  type?: string;
  text?: string;
  user?: string;
  bot_id?: string;
  thread_ts?: string;
  [key: string]: unknown;
}

export type SlackEvent = { type: string } & Record<string, unknown>;

export interface EventEnvelope {
  token: string;
  team_id: string;
  context_team_id: string;
  context_enterprise_id: null;
  api_app_id: string;
  event: SlackEvent;
  type: 'event_callback';
  event_id: string;
  event_time: number;
  authorizations: Array<{
    enterprise_id: null;
    team_id: string;
    user_id: string;
    is_bot: boolean;
    is_enterprise_install: boolean;
  }>;
  is_ext_shared_channel: boolean;
  event_context: string;
}

// -------------------------------------------------------------- generators

let eventCounter = 0;

export function newEventId(): string {
  return `Ev${(++eventCounter).toString().padStart(4, '0')}${randomBytes(4).toString('hex').toUpperCase()}`;
}

export function newTriggerId(): string {
  return `${Math.floor(Math.random() * 1e12)}.${Math.floor(Math.random() * 1e11)}.${randomBytes(16).toString('hex')}`;
}

function userRef(id: string, teamId: string): SlackUserRef {
  const name = `user-${id.toLowerCase()}`;
  return { id, username: name, name, team_id: teamId };
}

function form(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}

function interactive<P>(payload: P): SlackRequest<P> {
  return { rawBody: form({ payload: JSON.stringify(payload) }), contentType: FORM, payload };
}

function richText(text: string): unknown[] {
  return [
    {
      type: 'rich_text',
      block_id: randomBytes(3).toString('hex'),
      elements: [{ type: 'rich_text_section', elements: [{ type: 'text', text }] }],
    },
  ];
}

// ------------------------------------------------------------ slash command

export interface SlashCommandOptions {
  text?: string;
  command?: string;
  channel_id?: string;
  channel_name?: string;
  user_id?: string;
  user_name?: string;
  team_id?: string;
  team_domain?: string;
  response_url?: string;
  trigger_id?: string;
  api_app_id?: string;
}

export function slashCommand(opts: SlashCommandOptions = {}): SlackRequest<Record<string, string>> {
  const userId = opts.user_id ?? 'U1';
  const channelId = opts.channel_id ?? 'C1';
  const fields: Record<string, string> = {
    token: VERIFICATION_TOKEN,
    team_id: opts.team_id ?? TEST_TEAM_ID,
    team_domain: opts.team_domain ?? TEAM_DOMAIN,
    channel_id: channelId,
    channel_name: opts.channel_name ?? `channel-${channelId.toLowerCase()}`,
    user_id: userId,
    user_name: opts.user_name ?? `user-${userId.toLowerCase()}`,
    command: opts.command ?? '/polychat',
    text: opts.text ?? '',
    api_app_id: opts.api_app_id ?? TEST_APP_ID,
    is_enterprise_install: 'false',
    response_url: opts.response_url ?? DEAD_RESPONSE_URL,
    trigger_id: opts.trigger_id ?? newTriggerId(),
  };
  return { rawBody: form(fields), contentType: FORM, payload: fields };
}

// ------------------------------------------------------------------ events

export interface EventCallbackOptions {
  event_id?: string;
  event_time?: number;
  team_id?: string;
  api_app_id?: string;
  authorizations?: EventEnvelope['authorizations'];
}

export function eventCallback(event: SlackEvent, opts: EventCallbackOptions = {}): SlackRequest<EventEnvelope> {
  const teamId = opts.team_id ?? TEST_TEAM_ID;
  const payload: EventEnvelope = {
    token: VERIFICATION_TOKEN,
    team_id: teamId,
    context_team_id: teamId,
    context_enterprise_id: null,
    api_app_id: opts.api_app_id ?? TEST_APP_ID,
    event,
    type: 'event_callback',
    event_id: opts.event_id ?? newEventId(),
    event_time: opts.event_time ?? nowSeconds(),
    authorizations: opts.authorizations ?? [
      { enterprise_id: null, team_id: teamId, user_id: TEST_BOT_USER_ID, is_bot: true, is_enterprise_install: false },
    ],
    is_ext_shared_channel: false,
    event_context: `4-${randomBytes(12).toString('base64url')}`,
  };
  return { rawBody: JSON.stringify(payload), contentType: JSON_TYPE, payload };
}

export interface MessageEventOptions {
  channel: string;
  text?: string;
  /** default 'U1'; null omits it (e.g. for bot_message) */
  user?: string | null;
  ts?: string;
  thread_ts?: string;
  subtype?: string;
  bot_id?: string;
  team?: string;
  channel_type?: string;
  /** merged last */
  extra?: Record<string, unknown>;
}

/** A `message` event as Slack delivers it (message.channels). */
export function messageEvent(opts: MessageEventOptions): SlackEvent {
  const ts = opts.ts ?? nextSlackTs();
  const text = opts.text ?? '';
  const user = opts.user === null ? undefined : (opts.user ?? (opts.subtype === 'bot_message' ? undefined : 'U1'));
  const event: SlackEvent = {
    type: 'message',
    ...(opts.subtype ? { subtype: opts.subtype } : {}),
    ...(opts.subtype || opts.bot_id ? {} : { client_msg_id: randomUUID() }),
    text,
    ...(user ? { user } : {}),
    ...(opts.bot_id ? { bot_id: opts.bot_id } : {}),
    ts,
    ...(opts.subtype ? {} : { blocks: richText(text) }),
    team: opts.team ?? TEST_TEAM_ID,
    ...(opts.thread_ts ? { thread_ts: opts.thread_ts } : {}),
    channel: opts.channel,
    event_ts: ts,
    channel_type: opts.channel_type ?? 'channel',
    ...opts.extra,
  };
  return event;
}

export interface AppMentionOptions {
  channel: string;
  /** should contain `<@UBOT>`; SlackDriver.mention adds it when missing */
  text: string;
  user?: string;
  ts?: string;
  thread_ts?: string;
  team?: string;
}

export function appMention(opts: AppMentionOptions): SlackEvent {
  const ts = opts.ts ?? nextSlackTs();
  return {
    type: 'app_mention',
    client_msg_id: randomUUID(),
    text: opts.text,
    user: opts.user ?? 'U1',
    ts,
    blocks: richText(opts.text),
    team: opts.team ?? TEST_TEAM_ID,
    ...(opts.thread_ts ? { thread_ts: opts.thread_ts } : {}),
    channel: opts.channel,
    event_ts: ts,
  };
}

/** `message_changed`: an edit (never a turn). */
export function messageChanged(opts: {
  channel: string;
  ts: string;
  text: string;
  previousText?: string;
  user?: string;
  thread_ts?: string;
}): SlackEvent {
  const eventTs = nextSlackTs();
  const user = opts.user ?? 'U1';
  const base = { type: 'message', user, ts: opts.ts, ...(opts.thread_ts ? { thread_ts: opts.thread_ts } : {}) };
  return {
    type: 'message',
    subtype: 'message_changed',
    message: { ...base, text: opts.text, edited: { user, ts: eventTs } },
    previous_message: { ...base, text: opts.previousText ?? '' },
    channel: opts.channel,
    hidden: true,
    ts: eventTs,
    event_ts: eventTs,
    channel_type: 'channel',
  };
}

/** `message_deleted` (never a turn). */
export function messageDeleted(opts: { channel: string; ts: string; thread_ts?: string; user?: string }): SlackEvent {
  const eventTs = nextSlackTs();
  return {
    type: 'message',
    subtype: 'message_deleted',
    previous_message: {
      type: 'message',
      user: opts.user ?? 'U1',
      text: '',
      ts: opts.ts,
      ...(opts.thread_ts ? { thread_ts: opts.thread_ts } : {}),
    },
    channel: opts.channel,
    hidden: true,
    deleted_ts: opts.ts,
    ts: eventTs,
    event_ts: eventTs,
    channel_type: 'channel',
  };
}

export function urlVerification(challenge: string): SlackRequest<Record<string, string>> {
  const payload = { token: VERIFICATION_TOKEN, challenge, type: 'url_verification' };
  return { rawBody: JSON.stringify(payload), contentType: JSON_TYPE, payload };
}

// ----------------------------------------------------------- interactivity

export interface ActionSpec {
  action_id: string;
  value?: string;
  block_id?: string;
  type?: string;
  text?: string;
  selected_option?: { text?: { type: 'plain_text'; text: string }; value: string };
}

export interface BlockActionsOptions {
  actions: ActionSpec[];
  user?: string;
  channel?: string;
  /** the message that carries the buttons; omit for an ephemeral message */
  message?: MessageLike;
  container?: Record<string, unknown>;
  response_url?: string;
  trigger_id?: string;
  /** for actions inside a modal */
  view?: Record<string, unknown>;
  state?: Record<string, unknown>;
  team_id?: string;
}

export function blockActions(opts: BlockActionsOptions): SlackRequest<Record<string, unknown>> {
  const teamId = opts.team_id ?? TEST_TEAM_ID;
  const channel = opts.channel ?? 'C1';
  const actionTs = nextSlackTs();
  const container =
    opts.container ??
    (opts.view
      ? { type: 'view', view_id: opts.view.id }
      : {
          type: 'message',
          message_ts: opts.message?.ts ?? nextSlackTs(),
          channel_id: channel,
          is_ephemeral: opts.message === undefined,
          ...(opts.message?.thread_ts ? { thread_ts: opts.message.thread_ts } : {}),
        });
  const payload: Record<string, unknown> = {
    type: 'block_actions',
    user: userRef(opts.user ?? 'U1', teamId),
    api_app_id: TEST_APP_ID,
    token: VERIFICATION_TOKEN,
    container,
    trigger_id: opts.trigger_id ?? newTriggerId(),
    team: { id: teamId, domain: TEAM_DOMAIN },
    enterprise: null,
    is_enterprise_install: false,
    ...(opts.view ? { view: opts.view } : { channel: { id: channel, name: `channel-${channel.toLowerCase()}` } }),
    ...(opts.message ? { message: { type: 'message', ...opts.message } } : {}),
    state: opts.state ?? { values: {} },
    ...(opts.view ? {} : { response_url: opts.response_url ?? DEAD_RESPONSE_URL }),
    actions: opts.actions.map((a) => ({
      action_id: a.action_id,
      block_id: a.block_id ?? randomBytes(3).toString('hex'),
      ...(a.type === undefined || a.type === 'button'
        ? { text: { type: 'plain_text', text: a.text ?? a.action_id, emoji: true } }
        : {}),
      ...(a.value !== undefined ? { value: a.value } : {}),
      ...(a.selected_option ? { selected_option: a.selected_option } : {}),
      type: a.type ?? 'button',
      action_ts: actionTs,
    })),
  };
  return interactive(payload);
}

export interface MessageShortcutOptions {
  callback_id: string;
  message: MessageLike;
  channel?: string;
  user?: string;
  trigger_id?: string;
  response_url?: string;
  team_id?: string;
}

export function messageShortcut(opts: MessageShortcutOptions): SlackRequest<Record<string, unknown>> {
  const teamId = opts.team_id ?? TEST_TEAM_ID;
  const channel = opts.channel ?? 'C1';
  const payload: Record<string, unknown> = {
    type: 'message_action',
    token: VERIFICATION_TOKEN,
    action_ts: nextSlackTs(),
    team: { id: teamId, domain: TEAM_DOMAIN },
    user: userRef(opts.user ?? 'U1', teamId),
    channel: { id: channel, name: `channel-${channel.toLowerCase()}` },
    is_enterprise_install: false,
    enterprise: null,
    callback_id: opts.callback_id,
    trigger_id: opts.trigger_id ?? newTriggerId(),
    response_url: opts.response_url ?? DEAD_RESPONSE_URL,
    message_ts: opts.message.ts,
    message: { type: 'message', ...opts.message },
  };
  return interactive(payload);
}

/** A block's input values in Slack's view.state.values shape: { blockId: { actionId: element } }. */
export type ViewStateValues = Record<string, Record<string, Record<string, unknown>>>;

export const inputValue = {
  plainText: (value: string | null): Record<string, unknown> => ({ type: 'plain_text_input', value }),
  staticSelect: (value: string, text = value): Record<string, unknown> => ({
    type: 'static_select',
    selected_option: { text: { type: 'plain_text', text, emoji: true }, value },
  }),
  radio: (value: string, text = value): Record<string, unknown> => ({
    type: 'radio_buttons',
    selected_option: { text: { type: 'plain_text', text, emoji: true }, value },
  }),
  number: (value: string | null): Record<string, unknown> => ({ type: 'number_input', value }),
};

export interface ViewSubmissionOptions {
  callback_id: string;
  private_metadata?: string;
  values?: ViewStateValues;
  user?: string;
  view_id?: string;
  hash?: string;
  blocks?: unknown[];
  title?: string;
  team_id?: string;
  response_urls?: unknown[];
}

export function viewSubmission(opts: ViewSubmissionOptions): SlackRequest<Record<string, unknown>> {
  const teamId = opts.team_id ?? TEST_TEAM_ID;
  const viewId = opts.view_id ?? `V${randomBytes(4).toString('hex').toUpperCase()}`;
  const payload: Record<string, unknown> = {
    type: 'view_submission',
    team: { id: teamId, domain: TEAM_DOMAIN },
    user: userRef(opts.user ?? 'U1', teamId),
    api_app_id: TEST_APP_ID,
    token: VERIFICATION_TOKEN,
    trigger_id: newTriggerId(),
    view: {
      id: viewId,
      team_id: teamId,
      type: 'modal',
      blocks: opts.blocks ?? [],
      private_metadata: opts.private_metadata ?? '',
      callback_id: opts.callback_id,
      state: { values: opts.values ?? {} },
      hash: opts.hash ?? `${nowSeconds()}.${randomBytes(4).toString('hex')}`,
      title: { type: 'plain_text', text: opts.title ?? 'polychat', emoji: true },
      clear_on_close: false,
      notify_on_close: false,
      close: { type: 'plain_text', text: 'Cancel', emoji: true },
      submit: { type: 'plain_text', text: 'Submit', emoji: true },
      previous_view_id: null,
      root_view_id: viewId,
      app_id: TEST_APP_ID,
      external_id: '',
      app_installed_team_id: teamId,
      bot_id: 'BBOT',
    },
    response_urls: opts.response_urls ?? [],
    is_enterprise_install: false,
    enterprise: null,
  };
  return interactive(payload);
}

// ------------------------------------------------------------------ driver

/** What the driver needs from a fake Slack (FakeSlack fits). */
export interface DriverSlackLink {
  createResponseUrl(): string;
  seedMessage?(channel: string, message: MessageLike): unknown;
}

export interface DriverOptions {
  /** response_url source, and where user messages are mirrored (conversations.replies) */
  slack?: DriverSlackLink;
  defaultChannel?: string;
  defaultUser?: string;
}

export interface SendOptions {
  timestamp?: number | string;
  retryNum?: number;
  retryReason?: string;
  signature?: string;
  secret?: string;
}

export interface EventResult {
  event_id: string;
  event: SlackEvent;
  response: AppResponse;
}

export interface MessageResult extends EventResult {
  ts: string;
}

export class SlackDriver {
  readonly appUrl: string;
  readonly secret: string;
  private readonly opts: DriverOptions;

  constructor(appUrl: string, secret: string = TEST_SIGNING_SECRET, opts: DriverOptions = {}) {
    this.appUrl = appUrl;
    this.secret = secret;
    this.opts = opts;
  }

  nextTs(): string {
    return nextSlackTs();
  }

  responseUrl(): string {
    return this.opts.slack?.createResponseUrl() ?? DEAD_RESPONSE_URL;
  }

  send<P>(req: SlackRequest<P>, send: SendOptions = {}): Promise<AppResponse> {
    return postToApp(this.appUrl, req.rawBody, {
      contentType: req.contentType,
      secret: send.secret ?? this.secret,
      timestamp: send.timestamp,
      retryNum: send.retryNum,
      retryReason: send.retryReason,
      signature: send.signature,
    });
  }

  /** `/polychat <text>`; the response_url comes from the linked fake Slack. */
  async command(
    text: string,
    opts: SlashCommandOptions & SendOptions = {},
  ): Promise<{ response: AppResponse; payload: Record<string, string>; response_url: string }> {
    const req = slashCommand({
      channel_id: this.opts.defaultChannel,
      user_id: this.opts.defaultUser,
      ...opts,
      text,
      response_url: opts.response_url ?? this.responseUrl(),
    });
    return { response: await this.send(req, opts), payload: req.payload, response_url: req.payload.response_url ?? '' };
  }

  /** Delivers an event; pass the same `event_id` plus `retryNum` to imitate a Slack retry. */
  async event(event: SlackEvent, opts: EventCallbackOptions & SendOptions = {}): Promise<EventResult> {
    const req = eventCallback(event, opts);
    return { event_id: req.payload.event_id, event, response: await this.send(req, opts) };
  }

  /** A human message (in a thread when `thread_ts` is given), mirrored into the linked fake Slack. */
  async message(
    opts: Omit<MessageEventOptions, 'channel'> & { channel?: string } & EventCallbackOptions & SendOptions,
  ): Promise<MessageResult> {
    const channel = opts.channel ?? this.opts.defaultChannel ?? 'C1';
    const ev = messageEvent({ user: this.opts.defaultUser, ...opts, channel, ts: opts.ts ?? this.nextTs() });
    this.mirror(channel, ev);
    const result = await this.event(ev, opts);
    return { ...result, ts: String(ev.ts) };
  }

  /**
   * `@polychat …`: Slack sends an app_mention AND (to apps subscribed to
   * message.channels) a message event for the same message, as separate
   * deliveries with distinct event IDs. `alsoMessageEvent: false` sends only the mention.
   */
  async mention(opts: {
    text: string;
    channel?: string;
    user?: string;
    thread_ts?: string;
    alsoMessageEvent?: boolean;
  }): Promise<{ ts: string; mention: EventResult; message?: EventResult }> {
    const channel = opts.channel ?? this.opts.defaultChannel ?? 'C1';
    const user = opts.user ?? this.opts.defaultUser ?? 'U1';
    const text = opts.text.includes(`<@${TEST_BOT_USER_ID}>`) ? opts.text : `<@${TEST_BOT_USER_ID}> ${opts.text}`;
    const ts = this.nextTs();
    const mentionEv = appMention({ channel, user, text, ts, thread_ts: opts.thread_ts });
    const messageEv = messageEvent({ channel, user, text, ts, thread_ts: opts.thread_ts });
    this.mirror(channel, messageEv);
    if (opts.alsoMessageEvent === false) return { ts, mention: await this.event(mentionEv) };
    const [mention, message] = await Promise.all([this.event(mentionEv), this.event(messageEv)]);
    return { ts, mention, message };
  }

  action(opts: BlockActionsOptions & SendOptions): Promise<AppResponse> {
    return this.send(
      blockActions({
        user: this.opts.defaultUser,
        channel: this.opts.defaultChannel,
        ...opts,
        response_url: opts.response_url ?? this.responseUrl(),
      }),
      opts,
    );
  }

  shortcut(opts: MessageShortcutOptions & SendOptions): Promise<AppResponse> {
    return this.send(
      messageShortcut({
        user: this.opts.defaultUser,
        channel: this.opts.defaultChannel,
        ...opts,
        response_url: opts.response_url ?? this.responseUrl(),
      }),
      opts,
    );
  }

  submitView(opts: ViewSubmissionOptions & SendOptions): Promise<AppResponse> {
    return this.send(viewSubmission({ user: this.opts.defaultUser, ...opts }), opts);
  }

  private mirror(channel: string, ev: SlackEvent): void {
    const seed = this.opts.slack?.seedMessage;
    if (!seed) return;
    const { channel: _c, event_ts: _e, channel_type: _t, ...msg } = ev;
    seed.call(this.opts.slack, channel, { ...msg, ts: String(ev.ts) });
  }
}
