import type { App } from '@slack/bolt';
import type { Services } from '../../services.js';
import * as actions from './actions/index.js';
import * as commands from './commands/index.js';
import * as events from './events/index.js';

/** Wires every Slack surface to its listeners; each folder registers its own. */
export function registerListeners(app: App, services: Services): void {
  commands.register(app, services);
  events.register(app, services);
  actions.register(app, services);
}
