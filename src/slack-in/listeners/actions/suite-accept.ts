import type { Services } from '../../services.js';
import { caseButtonAction } from './case-button.js';

/** Accept on a failed case: this run's replies and functions become the expected ones. */
export function suiteAcceptAction(services: Services) {
  return caseButtonAction(services, (ref, user, messageTs) =>
    services.suites.accept(ref.runId, ref.index, user, messageTs),
  );
}
