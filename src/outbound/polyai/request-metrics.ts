import type { Middleware } from 'openapi-fetch';
import type { Metrics } from '../../platform/metrics.js';
import { PolyAIError } from './errors.js';
import type { operations, paths } from './schema.gen.js';

/** The `operationId` of every method of every path (the type makes a path or ID that is not in the schema fail to compile). */
const OPERATIONS: { [P in keyof paths]: Partial<Record<'GET' | 'POST', keyof operations>> } = {
  '/v1/agents/{agentId}/conversations': { GET: 'listConversations' },
  '/v1/agents/{agentId}/conversations/{conversationId}': { GET: 'getConversation' },
  '/v1/agents/{agentId}/conversations/{conversationId}/annotation': { POST: 'addAnnotations' },
  '/v1/agents/{agentId}/conversations/{conversationId}/audio': { GET: 'getConversationAudio' },
  '/v1/agents/{agentId}/conversations/{conversationId}/note': { POST: 'upsertNote' },
  '/v1/agents/{agentId}/debug-chat': { POST: 'createDebugChat' },
  '/v1/agents/{agentId}/debug-chat/{conversationId}': { POST: 'respondDebugChat' },
};

function operationOf(request: Request, schemaPath: string): string {
  const byMethod: Partial<Record<string, string>> | undefined = OPERATIONS[schemaPath as keyof paths];
  return byMethod?.[request.method] ?? 'other';
}

/**
 * Counts each PolyAI request by operation and by the status it finally got (after the
 * transport's retries), or `timeout` / `network` when none came. The schema path, never the
 * URL, names the operation, so no agent or conversation ID becomes a label.
 */
export function countRequests(metrics: Metrics): Middleware {
  return {
    onResponse: ({ request, schemaPath, response }) => {
      metrics.polyaiRequests.inc({ operation: operationOf(request, schemaPath), status: String(response.status) });
    },
    onError: ({ request, schemaPath, error }) => {
      const status = error instanceof PolyAIError ? error.kind : 'network';
      metrics.polyaiRequests.inc({ operation: operationOf(request, schemaPath), status });
    },
  };
}
