import type { App } from '@slack/bolt';
import { ANNOTATION_ADD_TURN } from '../../../presentation/call-modals.js';
import { CALL_ACTIONS } from '../../../presentation/call-review.js';
import { SESSION_ACTIONS } from '../../../presentation/debug-chat.js';
import { FINDING_ACTIONS } from '../../../presentation/finding.js';
import { REPLAY_ACTIONS } from '../../../presentation/replay.js';
import { SUITE_ACTIONS } from '../../../presentation/suites.js';
import { TURN_MENU_ACTION } from '../../../presentation/turn-details.js';
import type { Services } from '../../services.js';
import { annotationAddTurnAction } from './annotation-add-turn.js';
import { callAnnotateAction } from './call-annotate.js';
import { callAudioAction } from './call-audio.js';
import { callListMoreAction } from './call-list-more.js';
import { callNoteAction } from './call-note.js';
import { callOpenAction } from './call-open.js';
import { replayStopAction } from './replay-stop.js';
import { reviewStatusAction } from './review-status.js';
import { searchMoreAction } from './search-more.js';
import { sessionEndAction } from './session-end.js';
import { sessionReplayAction } from './session-replay.js';
import { sessionRestartAction } from './session-restart.js';
import { suiteAcceptAction } from './suite-accept.js';
import { suiteOpenThreadAction } from './suite-open-thread.js';
import { suiteSaveOpenAction } from './suite-save-open.js';
import { suiteStopAction } from './suite-stop.js';
import { turnMenuAction } from './turn-menu.js';

/**
 * One listener for buttons that share a callback: Bolt runs every listener's matchers on every
 * request, so a registration per ID would cost each thread reply that much more.
 */
const anyOf = (ids: readonly string[]) =>
  new RegExp(`^(?:${ids.map((id) => id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})$`);

export function register(app: App, services: Services): void {
  app.action(SESSION_ACTIONS.end, sessionEndAction(services));
  app.action(SESSION_ACTIONS.restart, sessionRestartAction(services));
  app.action(SESSION_ACTIONS.replay, sessionReplayAction(services));
  app.action(REPLAY_ACTIONS.stop, replayStopAction(services));
  app.action(TURN_MENU_ACTION, turnMenuAction(services));
  app.action(anyOf(Object.values(CALL_ACTIONS.audio)), callAudioAction(services));
  app.action(CALL_ACTIONS.note, callNoteAction(services));
  app.action(CALL_ACTIONS.annotate, callAnnotateAction(services));
  app.action(ANNOTATION_ADD_TURN, annotationAddTurnAction(services));
  app.action(CALL_ACTIONS.open, callOpenAction(services));
  app.action(CALL_ACTIONS.more, callListMoreAction(services));
  app.action(
    anyOf([FINDING_ACTIONS.claim, FINDING_ACTIONS.unclaim, FINDING_ACTIONS.reviewed, FINDING_ACTIONS.reopen]),
    reviewStatusAction(services),
  );
  app.action(FINDING_ACTIONS.more, searchMoreAction(services));
  app.action(SUITE_ACTIONS.save, suiteSaveOpenAction(services));
  app.action(SUITE_ACTIONS.stop, suiteStopAction(services));
  app.action(SUITE_ACTIONS.open, suiteOpenThreadAction(services));
  app.action(SUITE_ACTIONS.accept, suiteAcceptAction(services));
}
