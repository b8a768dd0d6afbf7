/** The `error` string of a Slack Web API failure (`not_in_channel`, `ratelimited`, …), if it is one. */
export function slackErrorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const data = (error as { data?: unknown }).data;
  if (typeof data === 'object' && data !== null && typeof (data as { error?: unknown }).error === 'string') {
    return (data as { error: string }).error;
  }
  return undefined;
}

/** Errors that mean the bot cannot see or post in the channel: the fix is to invite it. */
export function needsInvite(error: unknown): boolean {
  const code = slackErrorCode(error);
  return code === 'not_in_channel' || code === 'channel_not_found' || code === 'is_archived';
}

export const INVITE_HINT = "I can't post in this channel. Invite me first with `/invite @polychat`, then try again.";

/** Said in a thread when one of the app's messages there could not be posted even after retries. */
export function notPosted(slackError: string): { text: string } {
  return {
    text: `:warning: Slack did not accept one of my messages for this thread (\`${slackError.replace(/`/g, "'")}\`), even after retrying, so a part is missing here. Try again, or ask an admin to look at the logs.`,
  };
}
