import type { App } from '@slack/bolt';
import type { Services } from '../../services.js';
import { polychatCommand } from './polychat.js';

export const COMMAND = '/polychat';

export function register(app: App, services: Services): void {
  app.command(COMMAND, polychatCommand(services));
}
