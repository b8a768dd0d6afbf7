import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { SlackMessage } from '../../../outbound/slack/poster.js';
import { readCaseRef } from '../../../presentation/suites.js';
import type { Services } from '../../services.js';
import { pressedIn } from './pressed-in.js';

/** What a button on a failed case's message does, given the run, the case's place in it, who pressed and the message. */
export type CaseButton = (
  ref: { runId: string; index: number },
  user: string,
  messageTs: string,
) => Promise<SlackMessage | undefined>;

/** A button on a failed or errored case's message (Open as thread, Accept); what it says goes to the presser alone. */
export function caseButtonAction(services: Services, handle: CaseButton) {
  return async ({
    ack,
    body,
    action,
  }: AllMiddlewareArgs & SlackActionMiddlewareArgs<BlockAction<ButtonAction>>): Promise<void> => {
    await ack();
    const ref = readCaseRef(action.value);
    const thread = pressedIn(body);
    const messageTs = body.message?.ts ?? (body.container as { message_ts?: string } | undefined)?.message_ts;
    if (ref === undefined || thread === undefined || messageTs === undefined) return;
    const told = await handle(ref, body.user.id, messageTs);
    if (told !== undefined) await services.slack.ephemeral(thread.channel, body.user.id, told, thread.threadTs);
  };
}
