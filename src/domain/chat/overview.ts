import type { SlackPoster } from '../../outbound/slack/poster.js';
import type { StateStore } from '../../outbound/store/state-store.js';
import type { UserOverview } from '../../presentation/home.js';

/** Sessions the App Home tab shows. */
export const HOME_SESSIONS = 10;

/** One person's recent debug chats (with links to their threads) and the channel defaults they set. */
export async function userOverview(
  deps: { store: StateStore; slack: SlackPoster },
  user: string,
): Promise<UserOverview> {
  const index = await deps.store.userIndex(user);
  const sessions = await Promise.all(
    index.sessions.slice(0, HOME_SESSIONS).map(async (thread) => {
      const session = await deps.store.session(thread);
      if (session === undefined) return undefined;
      const link = await deps.slack.permalink(thread.channel, thread.threadTs);
      return link === undefined ? { session } : { session, link };
    }),
  );
  const defaults = await Promise.all(
    index.defaultChannels.map(async (channel) => ({ channel, defaults: await deps.store.channelDefaults(channel) })),
  );
  return {
    sessions: sessions.filter((s): s is NonNullable<typeof s> => s !== undefined),
    defaults: defaults.filter((d) => d.defaults.agentId !== undefined || d.defaults.details !== undefined),
  };
}
