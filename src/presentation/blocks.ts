import type { KnownBlock } from '@slack/types';
import { SECTION_TEXT_LIMIT, truncate } from './text.js';

/** A mrkdwn section, cut to Slack's limit so an oversized text never fails the whole message. */
export function section(text: string): KnownBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: truncate(text, SECTION_TEXT_LIMIT) } };
}
