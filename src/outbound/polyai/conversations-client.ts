import { randomUUID } from 'node:crypto';
import createClient, { type Client } from 'openapi-fetch';
import type { ConversationsConfig } from '../../platform/config.js';
import type { Logger } from '../../platform/logger.js';
import type { Metrics } from '../../platform/metrics.js';
import type { components, operations, paths } from './conversations.gen.js';
import { errorFromResponse, PolyAIError } from './errors.js';
import { PlainRequest } from './http-transport.js';
import { CORRELATION_HEADER, type RetryPolicy, resilientFetch } from './resilient-fetch.js';

/** Names for the generated v3 schemas. */
export type V3Page = components['schemas']['ConversationsPage'];
export type V3Conversation = components['schemas']['V3Conversation'];
export type V3Turn = components['schemas']['V3Turn'];
export type V3Query = NonNullable<operations['listConversationsV3']['parameters']['query']>;

export const KEY_VARIABLE = 'POLYAI_CONVERSATIONS_API_KEY';
export const AGENT_KEYS_VARIABLE = 'POLYAI_CONVERSATIONS_API_KEYS';

/** No v3 key applies to this agent: only per-agent keys are set and this agent has none. */
export class MissingKeyError extends Error {
  override name = 'MissingKeyError';
  constructor(readonly agentId: string) {
    super(`No Conversations API key for agent ${agentId}`);
  }
}

export interface ConversationsOptions {
  config: ConversationsConfig;
  timeoutMs: number;
  logger: Logger;
  metrics: Metrics;
  retryPolicy?: RetryPolicy;
}

/**
 * The Conversations API v3 list endpoint (search, random samples, time ranges), typed from
 * `openapi/polyai-conversations-v3.yaml`, with the v1 client's retries, timeout and error envelope.
 */
export class ConversationsApi {
  private readonly client: Client<paths>;

  constructor(private readonly options: ConversationsOptions) {
    this.client = createClient<paths>({
      baseUrl: options.config.baseUrl,
      fetch: resilientFetch(options.timeoutMs, options.logger, options.retryPolicy),
      Request: PlainRequest,
    });
    this.client.use({
      onRequest: ({ request }) => {
        if (!request.headers.has(CORRELATION_HEADER)) request.headers.set(CORRELATION_HEADER, randomUUID());
        return request;
      },
    });
  }

  /** The variable that holds this agent's key, for messages about a refused key (never the key). */
  keyVariable(agentId: string): string {
    return this.options.config.keys.has(agentId) ? `${AGENT_KEYS_VARIABLE} (${agentId}=…)` : KEY_VARIABLE;
  }

  /** One page of the agent's conversations; throws PolyAIError for an error answer, MissingKeyError without a key. */
  async list(agentId: string, query: V3Query): Promise<V3Page> {
    const { config, metrics } = this.options;
    const key = config.keys.get(agentId) ?? config.defaultKey;
    if (key === undefined) throw new MissingKeyError(agentId);
    let result: Awaited<ReturnType<Client<paths>['GET']>>;
    try {
      result = await this.client.GET('/v3/{account_id}/{project_id}/conversations', {
        params: { path: { account_id: config.accountId, project_id: agentId }, query },
        headers: { 'x-api-key': key },
      });
    } catch (error) {
      if (error instanceof PolyAIError)
        metrics.polyaiRequests.inc({ operation: 'listConversationsV3', status: error.kind });
      throw error;
    }
    const { response } = result;
    metrics.polyaiRequests.inc({ operation: 'listConversationsV3', status: String(response.status) });
    const correlationId = response.headers.get(CORRELATION_HEADER) ?? '';
    if (!response.ok) throw errorFromResponse(response, result.error, correlationId);
    const page = result.data as V3Page | undefined;
    if (page === undefined || !Array.isArray(page.conversations)) {
      throw new PolyAIError('http', 'PolyAI sent an unreadable page', response.status, undefined, correlationId);
    }
    return page;
  }
}
