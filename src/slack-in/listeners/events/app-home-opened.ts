import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { userOverview } from '../../../domain/chat/overview.js';
import { homeView } from '../../../presentation/home.js';
import type { Services } from '../../services.js';

/** The App Home tab, published each time someone opens it: their sessions, their channel defaults, the usage. */
export function appHomeOpenedEvent(services: Services) {
  return async ({ event, client }: AllMiddlewareArgs & SlackEventMiddlewareArgs<'app_home_opened'>): Promise<void> => {
    if (event.tab !== 'home') return;
    const overview = await userOverview(services, event.user);
    const suites = await services.suites.inChannelsOf(event.user);
    await client.views.publish({ user_id: event.user, view: homeView({ ...overview, suites }) });
  };
}
