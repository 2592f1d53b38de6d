/**
 * Keeps the layering true: `protocol/` is pure (imports nothing from `transport/` or outside
 * itself but `npm:`/`node:` packages, and touches no clock, timer or `Deno` API), only the peer
 * driver feeds a protocol host its input, and no module takes part in an import cycle. `deno task check` runs it; `tests/layout_check_test.ts` plants
 * violations to prove it catches them.
 *
 * Usage: `deno run --allow-read .ci/layers.ts [root]` (exits 1 and lists every violation).
 *
 * @module
 */

/** One broken rule, with the files involved. */
export interface Violation {
  /** `impure-import`, `impure-api`, `second-driver` or `cycle`. */
  readonly rule: "impure-import" | "impure-api" | "second-driver" | "cycle";
  /** What is wrong, naming the files. */
  readonly message: string;
}

const SOURCE = /\.(ts|tsx|js|mjs)$/;
// only the driver feeds a protocol host its input (datagrams, timers, carrier events)
const HOST_INPUT = /\.(handleDatagram|handleTimeout|handleCarrierClosed)\s*\(/;
const DRIVER = "transport/driver.ts";
// a method of one's own may be named like a timer function (`setTimeout(limit, min, max)`)
const METHOD_DEFINITION =
  /^\s*(?:(?:public|private|protected|static|async|override)\s+)*[\w$]+\s*\([^()]*\)\s*(?::[^{;=]+)?\{/gm;
function withoutMethodDefinitions(code: string): string {
  return code.replace(METHOD_DEFINITION, "{");
}
const IMPURE_API =
  /(?<![\w$])Deno\.|(?<![\w$.])(?:setTimeout|setInterval)\s*\(|globalThis\.(?:setTimeout|setInterval)\s*\(|(?<![\w$.])(?:Date|performance)\.now\s*\(/;

/**
 * Removes comments (JSDoc examples are not imports), keeping strings intact and skipping regular
 * expression literals (a quote or backtick inside one is not a string).
 */
export function stripComments(src: string): string {
  let out = "", i = 0, last = ""; // last significant character emitted
  while (i < src.length) {
    const c = src[i], n = src[i + 1];
    if (c === "/" && n === "*") {
      const end = src.indexOf("*/", i + 2);
      i = end < 0 ? src.length : end + 2;
      out += " ";
    } else if (c === "/" && n === "/") {
      const end = src.indexOf("\n", i);
      i = end < 0 ? src.length : end;
    } else if (c === '"' || c === "'" || c === "`") {
      let j = i + 1;
      while (j < src.length && src[j] !== c) j += src[j] === "\\" ? 2 : 1;
      out += src.slice(i, j + 1);
      i = j + 1;
      last = c;
    } else if (c === "/" && (last === "" || REGEX_BEFORE.includes(last))) {
      let j = i + 1, inClass = false;
      while (j < src.length && src[j] !== "\n" && (inClass || src[j] !== "/")) {
        if (src[j] === "\\") j++;
        else if (src[j] === "[") inClass = true;
        else if (src[j] === "]") inClass = false;
        j++;
      }
      out += " ";
      i = j + 1;
      last = "x";
    } else {
      out += c;
      if (c !== " " && c !== "\n" && c !== "\t" && c !== "\r") last = c;
      i++;
    }
  }
  return out;
}
// a `/` after one of these starts a regular expression, not a division
const REGEX_BEFORE = "(,=:[!&|?{};+-*%<>~^";

const SPECIFIER =
  /(?:^|[;\s}])(?:import|export)\s[^;]*?\bfrom\s*["']([^"']+)["']|(?:^|[;\s])import\s*\(?\s*["']([^"']+)["']/g;

/** The module specifiers a source file imports or re-exports (comments ignored). */
export function importsOf(src: string): string[] {
  const code = stripComments(src), out: string[] = [];
  for (const m of code.matchAll(SPECIFIER)) out.push(m[1] ?? m[2]);
  return out;
}

function resolve(from: string, spec: string): string | undefined {
  if (!spec.startsWith("./") && !spec.startsWith("../")) return undefined;
  const parts = from.split("/").slice(0, -1);
  for (const p of spec.split("/")) {
    if (p === "..") parts.pop();
    else if (p !== ".") parts.push(p);
  }
  return parts.join("/");
}

const isTest = (path: string) => /_test\.ts$|(^|\/)_test_util\.ts$/.test(path);

/**
 * Checks a tree given as `path -> source` (paths relative to the project root, `/`-separated).
 *
 * @example
 * ```ts
 * import { checkLayout } from "./layers.ts";
 * const files = new Map([
 *   ["protocol/a.ts", 'import { b } from "../transport/b.ts";'],
 *   ["transport/b.ts", "export const b = 1;"],
 * ]);
 * console.log(checkLayout(files).map((v) => v.rule)); // [ "impure-import" ]
 * ```
 */
export function checkLayout(files: ReadonlyMap<string, string>): Violation[] {
  const violations: Violation[] = [];
  const graph = new Map<string, string[]>();
  for (const [path, src] of files) {
    if (!SOURCE.test(path)) continue;
    const edges: string[] = [];
    for (const spec of importsOf(src)) {
      const target = resolve(path, spec);
      if (path.startsWith("protocol/")) {
        const outside = target !== undefined && !target.startsWith("protocol/");
        const foreign = target === undefined && !/^(npm|node):/.test(spec);
        if (outside || foreign) {
          violations.push({
            rule: "impure-import",
            message: `${path} imports ${spec}: protocol/ may import only protocol/, npm: and node:`,
          });
        }
      }
      if (target !== undefined && files.has(target)) edges.push(target);
    }
    if (path.startsWith("protocol/") && !isTest(path)) {
      const hit = withoutMethodDefinitions(stripComments(src)).match(IMPURE_API);
      if (hit) {
        violations.push({
          rule: "impure-api",
          message: `${path} uses ${hit[0].trim()}: protocol/ takes time as an argument`,
        });
      }
    }
    if (path.startsWith("transport/") && path !== DRIVER && !isTest(path)) {
      const hit = stripComments(src).match(HOST_INPUT);
      if (hit) {
        violations.push({
          rule: "second-driver",
          message: `${path} calls ${hit[1]}(): only ${DRIVER} drives a host`,
        });
      }
    }
    graph.set(path, edges);
  }
  for (const cycle of findCycles(graph)) {
    violations.push({ rule: "cycle", message: `import cycle: ${cycle.join(" -> ")}` });
  }
  return violations;
}

// Tarjan's strongly connected components; each component of more than one module (or a module
// importing itself) is reported once, as one concrete cycle through it.
function findCycles(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>(), low = new Map<string, number>();
  const stack: string[] = [], onStack = new Set<string>(), cycles: string[][] = [];
  let next = 0;
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    for (let w = stack.pop()!;; w = stack.pop()!) {
      onStack.delete(w);
      component.push(w);
      if (w === v) break;
    }
    const selfLoop = (graph.get(v) ?? []).includes(v);
    if (component.length > 1 || selfLoop) cycles.push(cycleThrough(graph, new Set(component), v));
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return cycles;
}

function cycleThrough(graph: Map<string, string[]>, component: Set<string>, start: string) {
  const prev = new Map<string, string>(), queue = [start];
  while (queue.length > 0) {
    const v = queue.shift()!;
    for (const w of graph.get(v) ?? []) {
      if (!component.has(w)) continue;
      if (w === start) {
        const path = [start];
        for (let u = v; u !== start; u = prev.get(u)!) path.splice(1, 0, u);
        return [...path, start];
      }
      if (!prev.has(w)) {
        prev.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start, start];
}

/** Reads every source file under `root` (skipping dot folders and generated output). */
export async function readTree(root: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const walk = async (dir: string) => {
    for await (const e of Deno.readDir(`${root}/${dir}`)) {
      const path = dir ? `${dir}/${e.name}` : e.name;
      if (e.name.startsWith(".") || e.name === "node_modules" || path === "bench/results") continue;
      if (e.isDirectory) await walk(path);
      else if (SOURCE.test(e.name)) files.set(path, await Deno.readTextFile(`${root}/${path}`));
    }
  };
  await walk("");
  return files;
}

if (import.meta.main) {
  const root = Deno.args[0] ?? new URL("..", import.meta.url).pathname.replace(/\/$/, "");
  const violations = checkLayout(await readTree(root));
  for (const v of violations) console.error(`layers: ${v.rule}: ${v.message}`);
  if (violations.length > 0) Deno.exit(1);
  console.log("layers: protocol/ is pure, no import cycles");
}
