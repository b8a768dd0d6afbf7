import type { App } from '@slack/bolt';
import { CALL_VIEWS } from '../../../presentation/call-modals.js';
import { REPLAY_VIEW } from '../../../presentation/replay.js';
import { SAVE_VIEW } from '../../../presentation/suites.js';
import type { Services } from '../../services.js';
import { annotationSubmission } from './annotation-submission.js';
import { noteSubmission } from './note-submission.js';
import { replaySubmission } from './replay-submission.js';
import { suiteSaveSubmission } from './suite-save-submission.js';

export function register(app: App, services: Services): void {
  app.view(CALL_VIEWS.annotate, annotationSubmission(services));
  app.view(CALL_VIEWS.note, noteSubmission(services));
  app.view(REPLAY_VIEW, replaySubmission(services));
  app.view(SAVE_VIEW, suiteSaveSubmission(services));
}
