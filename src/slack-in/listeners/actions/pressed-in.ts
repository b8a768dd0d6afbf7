import type { BlockAction } from '@slack/bolt';
import type { ThreadRef } from '../../../outbound/store/records.js';

/** The thread of the message a button was pressed on (the message's own, when it starts one). */
export function pressedIn(body: BlockAction): ThreadRef | undefined {
  // `container` says the same where a payload leaves out `channel` or `message`.
  const container = body.container as { channel_id?: string; message_ts?: string; thread_ts?: string } | undefined;
  const channel = body.channel?.id ?? container?.channel_id;
  const threadTs = body.message?.thread_ts ?? container?.thread_ts ?? body.message?.ts ?? container?.message_ts;
  return channel === undefined || threadTs === undefined ? undefined : { channel, threadTs };
}
