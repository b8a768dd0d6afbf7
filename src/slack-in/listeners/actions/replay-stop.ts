import { REPLAY_OVER, REPLAY_STOPPING } from '../../../presentation/replay.js';
import type { Services } from '../../services.js';
import { stopButtonAction } from './stop-button.js';

/** The Stop button of a running replay: it stops after its current turn (whichever instance runs it). */
export function replayStopAction(services: Services) {
  return stopButtonAction(services, (id, user) => services.replays.stop(id, user), {
    stopping: REPLAY_STOPPING,
    over: REPLAY_OVER,
  });
}
