import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import SwaggerParser from '@apidevtools/swagger-parser';
import { Ajv2020 } from 'ajv/dist/2020.js';
import ajvFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = fileURLToPath(new URL('../../', import.meta.url));
const docPath = fileURLToPath(new URL('../../openapi/polyai.yaml', import.meta.url));
const generatedPath = 'src/outbound/polyai/schema.gen.ts';
// ajv-formats is CommonJS; under NodeNext its default import is module.exports.
const addFormats = ajvFormats.default;

const OPERATION_IDS = [
  'listConversations',
  'getConversation',
  'addAnnotations',
  'getConversationAudio',
  'upsertNote',
  'createDebugChat',
  'respondDebugChat',
] as const;

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

// biome-ignore lint/suspicious/noExplicitAny: a raw OpenAPI document is untyped
type Doc = Record<string, any>;

/** A fresh, independent copy of the document (swagger-parser mutates what it is given). */
function loadDoc(): Doc {
  return parse(readFileSync(docPath, 'utf8')) as Doc;
}

function operations(doc: Doc): Array<{ path: string; method: string; op: Doc; pathItem: Doc }> {
  const out: Array<{ path: string; method: string; op: Doc; pathItem: Doc }> = [];
  for (const [path, pathItem] of Object.entries<Doc>(doc.paths ?? {})) {
    for (const method of METHODS) {
      if (pathItem[method]) out.push({ path, method, op: pathItem[method], pathItem });
    }
  }
  return out;
}

/** Resolves a local `#/...` reference inside the raw document. */
function deref(doc: Doc, node: Doc): Doc {
  if (typeof node?.$ref !== 'string') return node;
  const target = node.$ref
    .replace(/^#\//, '')
    .split('/')
    .reduce((acc: Doc, key: string) => acc?.[key.replace(/~1/g, '/').replace(/~0/g, '~')], doc);
  return deref(doc, target);
}

/** The generated types are what openapi-typescript makes of the document today. */
function expectInSync(document: string, generated: string): void {
  const bin = fileURLToPath(new URL('../../node_modules/.bin/openapi-typescript', import.meta.url));
  const result = spawnSync(bin, [document, '-o', generated, '--check'], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(
    result.status,
    `openapi-typescript --check failed; run \`npm run generate\`.\n${result.stdout}\n${result.stderr}`,
  ).toBe(0);
}

describe('openapi/polyai.yaml', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const api = (await SwaggerParser.validate(docPath)) as Doc;
    expect(String(api.openapi)).toMatch(/^3\.1\./);
  });

  it('declares all seven operations exactly once, under /v1/agents/{agentId}', () => {
    const ops = operations(loadDoc());
    const ids = ops.map((o) => o.op.operationId);
    expect([...ids].sort()).toEqual([...OPERATION_IDS].sort());
    for (const { path } of ops) expect(path.startsWith('/v1/agents/{agentId}/')).toBe(true);
  });

  // swagger-parser skips its semantic checks for OpenAPI 3.x, so do the ones that matter here.
  it('declares every path template parameter, the correlation header and error responses on each operation', () => {
    const doc = loadDoc();
    for (const { path, op, pathItem } of operations(doc)) {
      const params = [...(pathItem.parameters ?? []), ...(op.parameters ?? [])].map((p: Doc) => deref(doc, p));
      const pathParams = params.filter((p) => p.in === 'path').map((p) => p.name);
      const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      expect(pathParams.sort(), `${op.operationId} path params`).toEqual(templated.sort());
      expect(
        params.some((p) => p.in === 'header' && p.name === 'X-PolyAI-Correlation-Id'),
        `${op.operationId} correlation header`,
      ).toBe(true);
      for (const code of ['400', '401', '403', '404', '429', 'default']) {
        const res = deref(doc, op.responses?.[code]);
        expect(res, `${op.operationId} ${code}`).toBeDefined();
        expect(res.content?.['application/json']?.schema?.$ref).toBe('#/components/schemas/ErrorEnvelope');
      }
      expect(deref(doc, op.responses['429']).headers?.['Retry-After']).toBeDefined();
    }
  });

  it('has JSON Schema 2020-12 component schemas that accept loose real-world payloads', () => {
    const doc = loadDoc();
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addSchema({ $id: 'polyai', components: doc.components });
    const check = (name: string, value: unknown) => {
      const validate = ajv.getSchema(`polyai#/components/schemas/${name}`);
      if (!validate) throw new Error(`schema ${name} not found`);
      const ok = validate(value);
      return { ok, errors: validate.errors };
    };
    for (const name of Object.keys(doc.components.schemas)) {
      expect(ajv.getSchema(`polyai#/components/schemas/${name}`), name).toBeTruthy();
    }

    expect(
      check('ConversationDetail', {
        conversationId: 'c1',
        accountId: 'a1',
        projectId: 'p1',
        shortSummary: { heading: 'Booking', content: 'Caller booked a table.' },
        handoffReason: null,
        tags: [],
        somethingNew: 1,
        turns: [{ turn_id: 123456789012, latency: { asr: 0.2 }, user_input: null }],
        functionEvents: { '0': [{ name: 'lookup' }] },
      }).ok,
    ).toBe(true);
    expect(
      check('DebugChatResponse', {
        conversationId: 'c1',
        userInput: '',
        response: 'Hello!',
        metadata: { functionEvents: [{ name: 'f', state_changes: { added: {} } }], extra: true },
        conversationEnded: false,
        delayedResponse: false,
      }).ok,
    ).toBe(true);
    expect(check('DebugChatResponse', { conversationId: 'c1' }).ok).toBe(false);
    expect(
      check('AddAnnotationsBody', {
        annotations: [{ turnId: 0, role: 'agent', annotationType: 'wrong_info' }],
      }).ok,
    ).toBe(true);
    expect(check('AddAnnotationsBody', { annotations: [] }).ok).toBe(false);
    expect(check('CreateDebugChatBody', { clientEnv: 'production' }).ok).toBe(false);
    expect(
      check('ErrorEnvelope', {
        success: false,
        error: 'Not found',
        error_id: 'corr-1',
        error_code: 'CONVERSATIONS_NOT_FOUND',
        error_message: 'Conversation not found',
        data: null,
      }).ok,
    ).toBe(true);
  });

  describe('the validator is not vacuous', () => {
    it('rejects a document with an unresolvable $ref', async () => {
      const doc = loadDoc();
      doc.paths['/v1/agents/{agentId}/debug-chat'].post.requestBody.content['application/json'].schema.$ref =
        '#/components/schemas/DoesNotExist';
      await expect(SwaggerParser.validate(doc as never)).rejects.toThrow(/DoesNotExist/);
    });

    it('rejects a structurally invalid 3.1 document', async () => {
      const doc = loadDoc();
      doc.components.parameters.Limit.in = 'body';
      await expect(SwaggerParser.validate(doc as never)).rejects.toThrow(/schema validation failed/i);
    });

    it('really checks against 3.1: the same document labelled 3.0 is rejected (type arrays)', async () => {
      const doc = loadDoc();
      doc.openapi = '3.0.3';
      await expect(SwaggerParser.validate(doc as never)).rejects.toThrow(/schema validation failed/i);
    });
  });

  it(`is in sync with ${generatedPath} (openapi-typescript --check)`, () => {
    expectInSync('openapi/polyai.yaml', generatedPath);
  }, 60_000);
});

describe('openapi/polyai-conversations-v3.yaml', () => {
  const v3Path = fileURLToPath(new URL('../../openapi/polyai-conversations-v3.yaml', import.meta.url));
  const v3Generated = 'src/outbound/polyai/conversations.gen.ts';
  const loadV3 = (): Doc => parse(readFileSync(v3Path, 'utf8')) as Doc;

  it('is a valid OpenAPI 3.1 document with the one list operation, its errors and x-api-key auth', async () => {
    const api = (await SwaggerParser.validate(v3Path)) as Doc;
    expect(String(api.openapi)).toMatch(/^3\.1\./);
    const doc = loadV3();
    const ops = operations(doc);
    expect(ops.map((o) => `${o.method} ${o.path}`)).toEqual(['get /v3/{account_id}/{project_id}/conversations']);
    const [{ op, pathItem }] = ops as [(typeof ops)[number]];
    const params = [...pathItem.parameters, ...op.parameters].map((p: Doc) => deref(doc, p));
    for (const name of ['query_type', 'query', 'sample', 'turn_type', 'client_env', 'start_time', 'end_time', 'cursor'])
      expect(
        params.some((p) => p.in === 'query' && p.name === name),
        name,
      ).toBe(true);
    expect(params.some((p) => p.in === 'header' && p.name === 'X-PolyAI-Correlation-Id')).toBe(true);
    for (const code of ['400', '401', '403', '404', '429', '500', 'default']) {
      expect(deref(doc, op.responses[code]).content['application/json'].schema.$ref, code).toBe(
        '#/components/schemas/ErrorEnvelope',
      );
    }
    expect(deref(doc, op.responses['429']).headers?.['Retry-After']).toBeDefined();
    expect(doc.components.securitySchemes.ApiKey).toMatchObject({ in: 'header', name: 'x-api-key' });
  });

  it('accepts a loose real-world page and rejects a conversation without its required fields', () => {
    const doc = loadV3();
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addSchema({ $id: 'v3', components: doc.components });
    const validate = (name: string, value: unknown) => ajv.getSchema(`v3#/components/schemas/${name}`)?.(value);
    const call = {
      id: 'c1',
      account_id: 'ws-1',
      project_id: 'agent-1',
      environment: 'live',
      started_at: '2026-12-01T10:00:00Z',
      channel: 'VOICE-SIP',
      in_progress: false,
      metrics: { CSAT: ['5'], intent: 'refund' },
      turns: [{ user_input: 'I want a refund', latency: 0.4, entities: [{ a: 1 }], extra: true }],
      unknown_field: 1,
    };
    expect(validate('ConversationsPage', { conversations: [call], next_offset: null, cursor: null })).toBe(true);
    expect(validate('V3Conversation', { id: 'c1' })).toBe(false);
  });

  it(`is in sync with ${v3Generated} (openapi-typescript --check)`, () => {
    expectInSync('openapi/polyai-conversations-v3.yaml', v3Generated);
  }, 60_000);
});
