import type { Services } from '../../services.js';
import { caseButtonAction } from './case-button.js';

/** Open as thread on a failed case: a live debug chat with the case's turns replayed into it. */
export function suiteOpenThreadAction(services: Services) {
  return caseButtonAction(services, (ref, user) => services.suites.openAsThread(ref.runId, ref.index, user));
}
