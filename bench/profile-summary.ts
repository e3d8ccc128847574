import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

/** Summarises a V8 `.cpuprofile` (from `node --cpu-prof`): where the sampled time went, self and inclusive. */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
}

export interface ProfileRow {
  fn: string;
  selfPct: number;
  totalPct: number;
}

export interface ProfileSummary {
  sampledMs: number;
  /** Share of samples where the main thread was idle (waiting in the event loop). */
  idlePct: number;
  bySelf: ProfileRow[];
  byTotal: ProfileRow[];
  byFile: Array<{ file: string; selfPct: number }>;
}

function label(node: ProfileNode, root: string): { fn: string; file: string } {
  const { functionName, url, lineNumber } = node.callFrame;
  let file = url.startsWith('file://') ? relative(root, new URL(url).pathname) : url;
  if (file === '') file = '(native)';
  const name = functionName || '(anonymous)';
  return { fn: `${file}:${name}${url && lineNumber > 0 ? `:${lineNumber + 1}` : ''}`, file };
}

export function summariseProfile(path: string, repoRoot: string, top = 25): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const hits = new Map<number, number>();
  for (const id of profile.samples) hits.set(id, (hits.get(id) ?? 0) + 1);
  const totalSamples = profile.samples.length || 1;

  const self = new Map<string, number>();
  const files = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let idle = 0;

  // Subtree sample counts bottom-up; then a walk where a function's inclusive time counts each sample once
  // even under recursion (only its outermost frame on a path is counted).
  const root = profile.nodes[0]!;
  const stack: ProfileNode[] = [root];
  const subtreeHits = new Map<number, number>();
  const order: ProfileNode[] = [];
  for (let guard = 0; stack.length > 0 && guard < 10_000_000; guard++) {
    const node = stack.pop()!;
    order.push(node);
    for (const child of node.children ?? []) stack.push(byId.get(child)!);
  }
  for (let i = order.length - 1; i >= 0; i--) {
    const node = order[i]!;
    let sum = hits.get(node.id) ?? 0;
    for (const child of node.children ?? []) sum += subtreeHits.get(child) ?? 0;
    subtreeHits.set(node.id, sum);
  }
  const walk: Array<{ node: ProfileNode; ancestors: Set<string> }> = [{ node: root, ancestors: new Set() }];
  for (let guard = 0; walk.length > 0 && guard < 10_000_000; guard++) {
    const { node, ancestors } = walk.pop()!;
    const { fn, file } = label(node, repoRoot);
    const own = hits.get(node.id) ?? 0;
    if (node.callFrame.functionName === '(idle)') idle += own;
    self.set(fn, (self.get(fn) ?? 0) + own);
    files.set(file, (files.get(file) ?? 0) + own);
    if (!ancestors.has(fn)) inclusive.set(fn, (inclusive.get(fn) ?? 0) + (subtreeHits.get(node.id) ?? 0));
    const next = ancestors.has(fn) ? ancestors : new Set(ancestors).add(fn);
    for (const child of node.children ?? []) walk.push({ node: byId.get(child)!, ancestors: next });
  }

  const pct = (n: number) => Math.round((n / totalSamples) * 1000) / 10;
  const rows = (map: Map<string, number>, key: 'selfPct' | 'totalPct') =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .filter(([fn]) => !fn.includes('(root)') && !fn.includes('(idle)'))
      .slice(0, top)
      .map(([fn]) => ({ fn, selfPct: pct(self.get(fn) ?? 0), totalPct: pct(inclusive.get(fn) ?? 0) }))
      .sort((a, b) => b[key] - a[key]);
  return {
    sampledMs: (profile.endTime - profile.startTime) / 1000,
    idlePct: pct(idle),
    bySelf: rows(self, 'selfPct'),
    byTotal: rows(inclusive, 'totalPct'),
    byFile: [...files.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([file, n]) => ({ file, selfPct: pct(n) })),
  };
}
