/**
 * PolyAI's chat `metadata` is loosely specified (reference/polyai-api.md): every field is
 * optional and its shape varies between versions. These helpers read whatever arrived into
 * a typed view of what is there, and never throw.
 */

type JsonRecord = Record<string, unknown>;

export function isRecord(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** State keys a turn added, updated or removed, with the values PolyAI reported. */
export interface StateChanges {
  added: Array<[string, unknown]>;
  updated: Array<[string, unknown]>;
  removed: Array<[string, unknown]>;
}

/** One call of an agent function during a turn; absent fields are undefined. */
export interface FunctionCall {
  name: string | undefined;
  arguments: unknown;
  duration: unknown;
  /** `ms` when PolyAI named the unit (`duration_ms`); otherwise the unit is not stated. */
  durationUnit: 'ms' | undefined;
  error: unknown;
  handoff: unknown;
  hangup: unknown;
  stateChanges: StateChanges;
}

/** What a turn's metadata says, field by field; anything not recognised is kept in `other`. */
export interface TurnTrace {
  inFlow: string | undefined;
  inStep: string | undefined;
  currentNode: string | undefined;
  nodeTrace: string[];
  functions: FunctionCall[];
  /** Changes reported outside any function call. */
  stateChanges: StateChanges;
  state: unknown;
  retrievedTopics: unknown[];
  retrievedSources: unknown[];
  citedTopic: unknown;
  handoffDestination: unknown;
  asrLangCode: string | undefined;
  ttsLangCode: string | undefined;
  metrics: unknown;
  llmRequests: unknown;
  other: Array<[string, unknown]>;
}

const KNOWN_KEYS = new Set([
  'state',
  'currentNode',
  'nodeTrace',
  'metrics',
  'functionEvents',
  'handoffDestination',
  'retrievedTopics',
  'retrievedSources',
  'citedTopic',
  'inFlow',
  'inStep',
  'llmRequests',
  'asrLangCode',
  'ttsLangCode',
  'stateChanges',
  'state_changes',
]);

/** A short name for a value: strings as they are, numbers and booleans as text, objects by their name-like field. */
export function label(value: unknown): string | undefined {
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (isRecord(value)) {
    for (const key of ['name', 'title', 'topic', 'id', 'label']) {
      const field = value[key];
      if (typeof field === 'string' && field !== '') return field;
    }
  }
  return undefined;
}

/** True for values that mean "this happened" (an error, a handoff): not absent, false, empty or null. */
export function present(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (isRecord(value)) return Object.keys(value).length > 0;
  return true;
}

function list(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (isRecord(value)) return Object.values(value);
  return present(value) ? [value] : [];
}

function entries(part: unknown): Array<[string, unknown]> {
  if (isRecord(part)) return Object.entries(part);
  if (Array.isArray(part)) {
    return part.map((item): [string, unknown] => {
      if (isRecord(item) && label(item.key ?? item.name) !== undefined) {
        return [label(item.key ?? item.name) as string, item.value];
      }
      return [label(item) ?? stringify(item), undefined];
    });
  }
  const single = label(part);
  return single === undefined ? [] : [[single, undefined]];
}

function stateChanges(raw: unknown): StateChanges {
  const changes = isRecord(raw) ? raw : {};
  return { added: entries(changes.added), updated: entries(changes.updated), removed: entries(changes.removed) };
}

function functionCall(raw: unknown): FunctionCall {
  const event = isRecord(raw) ? raw : {};
  return {
    name: isRecord(raw) ? label(event.name ?? event.function_name ?? event.functionName) : label(raw),
    arguments: event.arguments ?? event.args ?? event.parameters,
    duration: event.duration ?? event.duration_ms ?? event.latency,
    durationUnit: event.duration === undefined && event.duration_ms !== undefined ? 'ms' : undefined,
    error: event.error,
    handoff: event.handoff,
    hangup: event.hangup ?? event.hang_up,
    stateChanges: stateChanges(event.state_changes ?? event.stateChanges),
  };
}

/** Reads a reply's `metadata`, whatever its shape (null, a string, an array…), into a TurnTrace. */
export function readTrace(metadata: unknown): TurnTrace {
  const m = isRecord(metadata) ? metadata : {};
  return {
    inFlow: label(m.inFlow),
    inStep: label(m.inStep),
    currentNode: label(m.currentNode),
    nodeTrace: list(m.nodeTrace)
      .map((node) => label(node))
      .filter((node): node is string => node !== undefined),
    functions: list(m.functionEvents).map(functionCall),
    stateChanges: stateChanges(m.stateChanges ?? m.state_changes),
    state: m.state,
    retrievedTopics: list(m.retrievedTopics),
    retrievedSources: list(m.retrievedSources),
    citedTopic: m.citedTopic,
    handoffDestination: m.handoffDestination,
    asrLangCode: label(m.asrLangCode),
    ttsLangCode: label(m.ttsLangCode),
    metrics: m.metrics,
    llmRequests: m.llmRequests,
    other: Object.entries(m).filter(([key, value]) => !KNOWN_KEYS.has(key) && present(value)),
  };
}

/** Every state key the turn changed, in the order first reported. */
export function changedStateKeys(trace: TurnTrace): string[] {
  const keys = new Set<string>();
  for (const changes of [...trace.functions.map((f) => f.stateChanges), trace.stateChanges]) {
    for (const [key] of [...changes.added, ...changes.updated, ...changes.removed]) keys.add(key);
  }
  return [...keys];
}

/** JSON text of any value; never throws (falls back to String). */
export function stringify(value: unknown, pretty = false): string {
  try {
    return JSON.stringify(value, null, pretty ? 2 : undefined) ?? String(value);
  } catch {
    return String(value);
  }
}

/** How much of a metadata object is kept: enough to read, never unbounded. */
export const METADATA_BOUNDS = { nodes: 20_000, stringLength: 4000, depth: 12 } as const;

/**
 * A copy of `value` cut to `bounds`: long strings shortened, deep or wide structures
 * trimmed with a marker. Keeps a huge state object from filling the store.
 */
export function boundJson(value: unknown, bounds: typeof METADATA_BOUNDS = METADATA_BOUNDS): unknown {
  let nodes = 0;
  const walk = (v: unknown, depth: number): unknown => {
    nodes += 1;
    if (typeof v === 'string') return v.length > bounds.stringLength ? `${v.slice(0, bounds.stringLength)}…` : v;
    if (typeof v === 'number' || typeof v === 'boolean' || v === null) return v;
    if (typeof v !== 'object') return v === undefined ? null : String(v);
    if (depth >= bounds.depth) return '…';
    if (Array.isArray(v)) {
      const out: unknown[] = [];
      for (const item of v) {
        if (nodes >= bounds.nodes) {
          out.push(`… ${v.length - out.length} more`);
          break;
        }
        out.push(walk(item, depth + 1));
      }
      return out;
    }
    const out: JsonRecord = {};
    const all = Object.entries(v);
    let kept = 0;
    for (const [key, item] of all) {
      if (nodes >= bounds.nodes) {
        out['…'] = `${all.length - kept} more keys`;
        break;
      }
      out[key] = walk(item, depth + 1);
      kept += 1;
    }
    return out;
  };
  return walk(value, 0);
}
