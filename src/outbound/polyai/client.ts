import createClient, { type Client } from 'openapi-fetch';
import type { Logger } from '../../platform/logger.js';
import type { Metrics } from '../../platform/metrics.js';
import { errorFromResponse, PolyAIError } from './errors.js';
import { PlainRequest } from './http-transport.js';
import { countRequests } from './request-metrics.js';
import { CORRELATION_HEADER, type RetryPolicy, resilientFetch } from './resilient-fetch.js';
import type { paths } from './schema.gen.js';
import type {
  AnnotationItem,
  AudioDirection,
  ConversationDetail,
  CreateDebugChatBody,
  DebugChatResponse,
  ListConversationsResponse,
  RespondDebugChatBody,
} from './types.js';

export interface PolyAIOptions {
  baseUrl: string;
  apiKey: string;
  timeoutMs: number;
  logger: Logger;
  retryPolicy?: RetryPolicy;
  metrics?: Metrics;
}

/** A recording on its way: the body is read as it arrives, never held whole. */
export interface AudioStream {
  body: ReadableStream<Uint8Array>;
  /** Bytes announced by PolyAI, when it announced them. */
  length: number | undefined;
  correlationId: string;
}

interface Result<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** The seven operations of the PolyAI Conversations API, typed from `openapi/polyai.yaml`. */
export class PolyAI {
  private readonly client: Client<paths>;

  constructor(options: PolyAIOptions) {
    this.client = createClient<paths>({
      baseUrl: options.baseUrl,
      headers: { 'X-API-KEY': options.apiKey },
      // resilientFetch adds a correlation ID to requests that have none.
      fetch: resilientFetch(options.timeoutMs, options.logger, options.retryPolicy),
      Request: PlainRequest,
    });
    if (options.metrics !== undefined) this.client.use(countRequests(options.metrics));
  }

  /** `correlationId` lets the caller log the same ID that PolyAI support will see. */
  createDebugChat(agentId: string, body: CreateDebugChatBody, correlationId?: string): Promise<DebugChatResponse> {
    return this.unwrap(
      this.client.POST('/v1/agents/{agentId}/debug-chat', {
        params: { path: { agentId } },
        body,
        headers: correlationHeader(correlationId),
      }),
    );
  }

  respond(
    agentId: string,
    conversationId: string,
    body: RespondDebugChatBody,
    correlationId?: string,
  ): Promise<DebugChatResponse> {
    return this.unwrap(
      this.client.POST('/v1/agents/{agentId}/debug-chat/{conversationId}', {
        params: { path: { agentId, conversationId } },
        body,
        headers: correlationHeader(correlationId),
      }),
    );
  }

  listConversations(agentId: string, page: { limit: number; offset: number }): Promise<ListConversationsResponse> {
    return this.unwrap(
      this.client.GET('/v1/agents/{agentId}/conversations', { params: { path: { agentId }, query: page } }),
    );
  }

  getConversation(agentId: string, conversationId: string): Promise<ConversationDetail> {
    return this.unwrap(
      this.client.GET('/v1/agents/{agentId}/conversations/{conversationId}', {
        params: { path: { agentId, conversationId } },
      }),
    );
  }

  async addAnnotations(agentId: string, conversationId: string, annotations: AnnotationItem[]): Promise<void> {
    await this.unwrap(
      this.client.POST('/v1/agents/{agentId}/conversations/{conversationId}/annotation', {
        params: { path: { agentId, conversationId } },
        body: { annotations },
      }),
    );
  }

  async upsertNote(agentId: string, conversationId: string, note: string): Promise<void> {
    await this.unwrap(
      this.client.POST('/v1/agents/{agentId}/conversations/{conversationId}/note', {
        params: { path: { agentId, conversationId } },
        body: { note },
      }),
    );
  }

  async audio(
    agentId: string,
    conversationId: string,
    query: { direction: AudioDirection; redacted: boolean },
  ): Promise<AudioStream> {
    const result = await this.settle(
      this.client.GET('/v1/agents/{agentId}/conversations/{conversationId}/audio', {
        params: { path: { agentId, conversationId }, query },
        parseAs: 'stream',
      }),
    );
    const { response } = result;
    const body = result.data;
    if (!(body instanceof ReadableStream)) {
      throw new PolyAIError(
        'http',
        'PolyAI sent an empty recording',
        response.status,
        undefined,
        correlationOf(response),
      );
    }
    const declared = Number(response.headers.get('content-length'));
    return {
      body: body as ReadableStream<Uint8Array>,
      length: Number.isSafeInteger(declared) && declared > 0 ? declared : undefined,
      correlationId: correlationOf(response),
    };
  }

  private async unwrap<T>(pending: Promise<Result<T>>): Promise<T> {
    const { data, response } = await this.settle(pending);
    if (data === undefined) {
      throw new PolyAIError('http', 'PolyAI sent an empty answer', response.status, undefined, correlationOf(response));
    }
    return data;
  }

  /** Resolves successful results; turns every error answer into a PolyAIError. */
  private async settle<T>(pending: Promise<Result<T>>): Promise<Result<T>> {
    const result = await pending;
    if (!result.response.ok) {
      throw errorFromResponse(result.response, result.error, correlationOf(result.response));
    }
    return result;
  }
}

function correlationHeader(correlationId: string | undefined): Record<string, string> {
  return correlationId === undefined ? {} : { [CORRELATION_HEADER]: correlationId };
}

function correlationOf(response: Response): string {
  return response.headers.get(CORRELATION_HEADER) ?? '';
}
