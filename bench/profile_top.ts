/**
 * Prints the top frames of a V8 `.cpuprofile` (from `deno run --cpu-prof`) by self time and by
 * total (inclusive) time. Usage: `deno run --allow-read bench/profile_top.ts <file> [count]`.
 *
 * @module
 */

/**
 * One node of a V8 `.cpuprofile` call tree.
 *
 * @example
 * ```ts
 * import type { ProfileNode } from "./profile_top.ts";
 * let value: ProfileNode | undefined;
 * ```
 */
export interface ProfileNode {
  /** Node id (referenced by samples and children). */
  id: number;
  /** The function this node stands for. */
  callFrame: { functionName: string; url: string; lineNumber: number };
  /** Callee node ids. */
  children?: number[];
}

/**
 * Self and total milliseconds of one function (aggregated over its call sites).
 *
 * @example
 * ```ts
 * import type { FrameTime } from "./profile_top.ts";
 * let value: FrameTime | undefined;
 * ```
 */
export interface FrameTime {
  /** `name file:line`. */
  readonly frame: string;
  /** Time spent in the function itself. */
  readonly selfMs: number;
  /** Time spent in it and its callees (recursion counted once per sample). */
  readonly totalMs: number;
}

/**
 * Aggregates a parsed `.cpuprofile` into per-function self and total times, largest self first.
 *
 * @example
 * ```ts
 * import { topFrames } from "./profile_top.ts";
 * const empty = { nodes: [], samples: [], timeDeltas: [] };
 * console.log(topFrames(empty).length); // 0
 * ```
 */
export function topFrames(
  profile: { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] },
): FrameTime[] {
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const label = (n: ProfileNode) => {
    const file = n.callFrame.url.replace(/^file:\/\/\/work\/main\//, "");
    return `${n.callFrame.functionName || "(anonymous)"} ${file}:${n.callFrame.lineNumber + 1}`;
  };
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    let node = byId.get(profile.samples[i]);
    if (!node) continue;
    const leaf = label(node);
    self.set(leaf, (self.get(leaf) ?? 0) + ms);
    const seen = new Set<string>();
    while (node) {
      const name = label(node);
      if (!seen.has(name)) {
        seen.add(name);
        total.set(name, (total.get(name) ?? 0) + ms);
      }
      const up = parent.get(node.id);
      node = up === undefined ? undefined : byId.get(up);
    }
  }
  return [...total.keys()].map((frame) => ({
    frame,
    selfMs: self.get(frame) ?? 0,
    totalMs: total.get(frame) ?? 0,
  })).sort((a, b) => b.selfMs - a.selfMs);
}

if (import.meta.main) {
  const [file, countArg] = Deno.args;
  const count = Number(countArg ?? 25);
  const frames = topFrames(JSON.parse(await Deno.readTextFile(file)));
  const sum = frames.reduce((s, f) => s + f.selfMs, 0);
  console.log(`total sampled: ${sum.toFixed(0)} ms\n\nby self time:`);
  for (const f of frames.slice(0, count)) {
    console.log(
      `${f.selfMs.toFixed(1).padStart(9)} ms ${(100 * f.selfMs / sum).toFixed(1)}%  ${f.frame}`,
    );
  }
  console.log("\nby total time:");
  const byTotal = [...frames].sort((a, b) => b.totalMs - a.totalMs)
    .filter((f) => !f.frame.startsWith("(root)") && !f.frame.startsWith("(program)"));
  for (const f of byTotal.slice(0, count)) {
    console.log(
      `${f.totalMs.toFixed(1).padStart(9)} ms ${(100 * f.totalMs / sum).toFixed(1)}%  ${f.frame}`,
    );
  }
}
