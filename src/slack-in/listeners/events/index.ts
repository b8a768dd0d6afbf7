import type { App } from '@slack/bolt';
import type { Services } from '../../services.js';
import { appHomeOpenedEvent } from './app-home-opened.js';
import { appMentionEvent } from './app-mention.js';
import { messageEvent } from './message.js';

export function register(app: App, services: Services): void {
  app.event('message', messageEvent(services));
  app.event('app_mention', appMentionEvent(services));
  app.event('app_home_opened', appHomeOpenedEvent(services));
}
