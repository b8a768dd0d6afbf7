import { PolyAIError } from '../../outbound/polyai/errors.js';
import type { AudioDirection } from '../../outbound/polyai/types.js';
import { EmptyRecordingError, type RelayResult, relayAudio, UploadError } from '../../outbound/slack/audio-relay.js';
import type { SlackMessage } from '../../outbound/slack/poster.js';
import { INVITE_HINT, needsInvite, slackErrorCode } from '../../outbound/slack/slack-errors.js';
import {
  audioComment,
  audioFailed,
  audioFilename,
  recordingNotFound,
  sentPrivately,
  UNREDACTED_REFUSED,
} from '../../presentation/call-review.js';
import { errorReference, polyaiErrorMessage } from '../../presentation/polyai-errors.js';
import type { CoreDeps } from '../deps.js';

export interface AudioRequest {
  channel: string;
  user: string;
  agentId: string;
  conversationId: string;
  direction: AudioDirection;
  /** What was asked for; unset means the user's default (see `redactionFor`). */
  redacted?: boolean;
  /** Upload into this thread; by default the call's thread when it is in `channel`, else the channel. */
  threadTs?: string;
  /** Tells the requester alone what went wrong. */
  tell: (message: SlackMessage) => Promise<void>;
}

/** Recordings of calls, relayed from PolyAI into Slack uploads (spec §4). */
export class CallAudio {
  constructor(private readonly deps: CoreDeps) {}

  /**
   * Spec §4: redacted unless the user is in `POLYCHAT_UNREDACTED_AUDIO_USERS`. Listed users get
   * unredacted audio unless they ask for `redacted=true`; anyone else asking for it is refused.
   */
  redactionFor(user: string, requested: boolean | undefined): boolean | 'refused' {
    const allowed = this.deps.config.unredactedAudioUsers.has(user);
    if (requested === false && !allowed) return 'refused';
    return requested ?? !allowed;
  }

  /**
   * Uploads a recording into the call's thread (or the channel); an unredacted one goes to the
   * requester's direct message instead, and the thread says so (spec §4). Every failure is told
   * to the requester; the work is tracked so that a shutdown lets an upload in progress finish.
   */
  async send(request: AudioRequest): Promise<RelayResult | undefined> {
    const redacted = this.redactionFor(request.user, request.redacted);
    if (redacted === 'refused') {
      await request.tell(UNREDACTED_REFUSED);
      return undefined;
    }
    return this.deps.inFlight.track(this.relay({ ...request, redacted }));
  }

  private async relay(request: AudioRequest & { redacted: boolean }): Promise<RelayResult | undefined> {
    const { polyai, store, slack, logger } = this.deps;
    const { conversationId, direction, redacted } = request;
    const started = performance.now();
    let threadTs = request.threadTs;
    if (threadTs === undefined) {
      const open = await store.threadOfConversation(conversationId);
      if (open?.channel === request.channel) threadTs = open.threadTs;
    }
    try {
      // Opened first: a DM Slack will not open means nothing is fetched.
      const privately = redacted ? undefined : await slack.directMessage(request.user);
      const audio = await polyai.audio(request.agentId, conversationId, { direction, redacted });
      const result = await relayAudio(slack.client, audio, {
        channel: privately ?? request.channel,
        ...(privately === undefined && threadTs !== undefined && { threadTs }),
        filename: audioFilename(conversationId, direction, redacted),
        initialComment: audioComment(conversationId, direction, redacted, request.user),
      });
      this.deps.metrics.audioBytes.inc(result.bytes);
      if (privately !== undefined) {
        const notice = sentPrivately(conversationId, direction, request.user);
        if (threadTs === undefined) await request.tell(notice);
        else await slack.post(request.channel, notice, threadTs);
      }
      logger.info(
        {
          audio: {
            conversation: conversationId,
            direction,
            redacted,
            bytes: result.bytes,
            spooled: result.spooled,
            ms: Math.round(performance.now() - started),
          },
        },
        'recording relayed',
      );
      return result;
    } catch (error) {
      logger.warn(
        {
          audio: {
            conversation: conversationId,
            direction,
            redacted,
            error: String(error),
            cause: String((error as Error).cause ?? ''),
          },
        },
        'recording not relayed',
      );
      await request.tell(this.failure(conversationId, error));
      return undefined;
    }
  }

  private failure(conversationId: string, error: unknown): SlackMessage {
    if (error instanceof PolyAIError) {
      return error.code === 'CONVERSATIONS_RECORDING_NOT_FOUND'
        ? recordingNotFound(conversationId, errorReference(error))
        : polyaiErrorMessage(error, 'The recording could not be fetched');
    }
    if (needsInvite(error)) return { text: INVITE_HINT };
    const slackError = slackErrorCode(error);
    if (slackError !== undefined) return audioFailed(conversationId, `Slack answered ${slackError}`);
    if (error instanceof UploadError || error instanceof EmptyRecordingError)
      return audioFailed(conversationId, error.message);
    const cause = (error as Error).cause;
    const detail = cause instanceof Error ? cause.message : (error as Error).message;
    return audioFailed(conversationId, `the transfer broke off (${detail})`);
  }
}
