import { RUN_OVER, RUN_STOPPING } from '../../../presentation/suites.js';
import type { Services } from '../../services.js';
import { stopButtonAction } from './stop-button.js';

/** Stop on a suite run's report: the run stops after the turns under way (whichever instance runs it). */
export function suiteStopAction(services: Services) {
  return stopButtonAction(services, (id, user) => services.suiteRuns.stop(id, user), {
    stopping: RUN_STOPPING,
    over: RUN_OVER,
  });
}
