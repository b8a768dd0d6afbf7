/**
 * The layout of src/ is the architecture: each top-level folder is one layer and imports only go
 * down (ARCHITECTURE.md). This draws the import graph from the code and fails on any arrow that
 * climbs, and on any file that sits outside a known layer.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/** Top to bottom. A file may import its own layer and any layer below it. */
const LAYERS = ['main.ts', 'slack-in', 'domain', 'presentation', 'outbound', 'platform'] as const;

const SRC = path.resolve('src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** The layer index of a file under src/, or -1 when it is in no layer. */
function layerOf(file: string): number {
  const first = path.relative(SRC, file).split(path.sep)[0] ?? '';
  return (LAYERS as readonly string[]).indexOf(first);
}

/** Every relative module a file names: static imports and re-exports, `import type`, and `import('…')`. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)'(\.{1,2}\/[^']+)'/g)].map((m) => m[1] ?? '');
  return specs.map((spec) => path.resolve(path.dirname(file), spec).replace(/\.js$/, '.ts'));
}

interface Edge {
  from: string;
  to: string;
}

/** The edges that climb: from a file to a layer above its own. */
function climbing(edges: Edge[]): Edge[] {
  return edges.filter((edge) => layerOf(edge.to) < layerOf(edge.from));
}

const files = sourceFiles(SRC);
const edges = files.flatMap((from) => importsOf(from).map((to) => ({ from, to })));
const rel = (edge: Edge) => `${path.relative(SRC, edge.from)} -> ${path.relative(SRC, edge.to)}`;

describe('layers of src/', () => {
  it('puts every source file in a known layer', () => {
    expect(files.filter((file) => layerOf(file) < 0).map((file) => path.relative(SRC, file))).toEqual([]);
  });

  it('only imports downwards (or within a layer)', () => {
    expect(edges.length).toBeGreaterThan(100);
    expect(climbing(edges).map(rel)).toEqual([]);
  });

  it('resolves every relative import to a file that exists', () => {
    const known = new Set(files);
    expect(edges.filter((edge) => !known.has(edge.to)).map(rel)).toEqual([]);
  });

  it('flags an import that climbs a layer', () => {
    const poster = path.join(SRC, 'outbound/slack/poster.ts');
    const chats = path.join(SRC, 'domain/chat/debug-chats.ts');
    expect(climbing([{ from: poster, to: chats }]).map(rel)).toEqual([
      'outbound/slack/poster.ts -> domain/chat/debug-chats.ts',
    ]);
    expect(climbing([{ from: chats, to: poster }])).toEqual([]);
  });
});
