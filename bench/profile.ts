/**
 * `npx tsx bench/profile.ts FILE.cpuprofile…`: where a V8 CPU profile's time went, as two
 * tables: self time by package (or `polychat` for our own code, `node` for Node's), and the
 * functions with the most self time. See README, "Benchmark", for how to record one.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** What a script URL belongs to: a package, polychat itself, Node, or V8's own bookkeeping. */
function owner(url: string, name: string): string {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg !== undefined) return pkg;
  if (url.includes('/dist/src/') || url.includes('/src/')) return 'polychat';
  if (url.startsWith('node:')) return 'node';
  return url === '' ? `(${name || 'native'})` : url;
}

const byOwner = new Map<string, number>();
const byFunction = new Map<string, number>();
let total = 0;
for (const file of process.argv.slice(2)) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  profile.samples.forEach((id, i) => {
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    const { functionName, url, lineNumber } = (nodes.get(id) as ProfileNode).callFrame;
    if (functionName === '(idle)') return;
    total += ms;
    const who = owner(url, functionName);
    byOwner.set(who, (byOwner.get(who) ?? 0) + ms);
    const where = `${functionName || '(anonymous)'} ${url.replace(/^.*node_modules\//, '')}:${lineNumber + 1}`;
    byFunction.set(where, (byFunction.get(where) ?? 0) + ms);
  });
}

const top = (map: Map<string, number>, n: number) =>
  [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, ms]) => `${ms.toFixed(0).padStart(8)} ms ${((100 * ms) / total).toFixed(1).padStart(5)} %  ${name}`)
    .join('\n');

process.stdout.write(`busy ${total.toFixed(0)} ms (idle left out)\n\nby package:\n${top(byOwner, 15)}\n\n`);
process.stdout.write(`by function (self time):\n${top(byFunction, 30)}\n`);
