import type { App } from '@slack/bolt';
import type { Services } from '../../../services.js';
import { SESSION_ACTIONS } from '../../presentation/debug-chat.js';
import { sessionEndAction } from './session-end.js';

export function register(app: App, services: Services): void {
  app.action(SESSION_ACTIONS.end, sessionEndAction(services));
}
