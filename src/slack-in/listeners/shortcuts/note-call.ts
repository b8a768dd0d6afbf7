import { callShortcut, fillNoteModal } from '../../call-modal-flow.js';
import type { Services } from '../../services.js';

/** Message shortcut "Add note to call": the form, prefilled with the call's current note from PolyAI. */
export function noteCallShortcut(services: Services) {
  return callShortcut(services, 'Add note to call', {
    fill: (client, viewId, target) => fillNoteModal(services, client, viewId, target),
  });
}
