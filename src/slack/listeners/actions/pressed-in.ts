import type { BlockAction } from '@slack/bolt';
import type { ThreadRef } from '../../../store/records.js';

/** The thread of the message a button was pressed on (the message's own, when it starts one). */
export function pressedIn(body: BlockAction): ThreadRef | undefined {
  const channel = body.channel?.id;
  const threadTs = body.message?.thread_ts ?? body.message?.ts;
  return channel === undefined || threadTs === undefined ? undefined : { channel, threadTs };
}
