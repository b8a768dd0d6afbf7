import type { App } from '@slack/bolt';
import type { Services } from '../../services.js';
import { annotateCallShortcut } from './annotate-call.js';
import { noteCallShortcut } from './note-call.js';

/** Callback IDs of the message shortcuts, as declared in manifest.yml. */
export const SHORTCUTS = {
  annotate: 'annotate_call',
  note: 'note_call',
} as const;

export function register(app: App, services: Services): void {
  app.shortcut({ type: 'message_action', callback_id: SHORTCUTS.annotate }, annotateCallShortcut(services));
  app.shortcut({ type: 'message_action', callback_id: SHORTCUTS.note }, noteCallShortcut(services));
}
