import type { App } from '@slack/bolt';
import type { Services } from '../services.js';
import * as actions from './actions/index.js';
import * as commands from './commands/index.js';
import * as events from './events/index.js';
import * as shortcuts from './shortcuts/index.js';
import * as views from './views/index.js';

/** Wires every Slack surface to its listeners; each folder registers its own. */
export function registerListeners(app: App, services: Services): void {
  commands.register(app, services);
  events.register(app, services);
  actions.register(app, services);
  shortcuts.register(app, services);
  views.register(app, services);
}
