/**
 * Result rows of the benchmark and their plain-text table.
 *
 * @module
 */

/**
 * One line of the results table.
 *
 * @example
 * ```ts
 * import type { Row } from "./report.ts";
 * let value: Row | undefined;
 * ```
 */
export interface Row {
  /** Scenario name. */
  readonly scenario: string;
  /** Our median value, formatted with its unit. */
  readonly ours: string;
  /** The floor (or baseline) it is compared to, formatted. */
  readonly floor: string;
  /** ours / floor (or the absolute value for absolute targets). */
  readonly ratio: number;
  /** ours / the reference stream's rate of the same run (32 B rows), if it applies. */
  readonly ceiling?: number;
  /** Human-readable target, e.g. ">= 15x". */
  readonly target: string;
  /** Target met. */
  readonly pass: boolean;
  /** Correctness failure (a fast wrong answer), if any. */
  readonly error?: string;
  /** Why the load generator, not the code under test, was the limit (not a pass, not a miss). */
  readonly bound?: string;
  /**
   * A bound load generator can only have made this figure worse (a time, a delivered share, a
   * latency): met anyway, it is a pass. Otherwise (CPU, memory: a weaker load flatters them) a
   * bound row is neither pass nor miss.
   */
  readonly boundOnlyWorsens?: boolean;
  /** Why the scenario could not run here (e.g. a missing compiler). */
  readonly skipped?: string;
  /** Every repetition's raw values, for the JSON file. */
  readonly samples: Record<string, number>[];
}

/**
 * Formats a number with a unit, compactly.
 *
 * @example
 * ```ts
 * import { fmt } from "./report.ts";
 * console.log(fmt(1234567, "msg/s")); // "1.23M msg/s"
 * ```
 */
export function fmt(value: number, unit: string): string {
  if (!Number.isFinite(value)) return `- ${unit}`;
  const abs = Math.abs(value);
  const [scaled, suffix] = abs >= 1e6 ? [value / 1e6, "M"] : abs >= 1e4 ? [value / 1e3, "k"] : [
    value,
    "",
  ];
  const digits = Math.abs(scaled) >= 100 ? 0 : Math.abs(scaled) >= 10 ? 1 : 2;
  return `${scaled.toFixed(digits)}${suffix} ${unit}`.trim();
}

/**
 * The target of a row that is reported, not judged: its result reads `info`.
 *
 * @example
 * ```ts
 * import { INFO_TARGET } from "./report.ts";
 * console.log(INFO_TARGET); // (info)
 * ```
 */
export const INFO_TARGET = "(info)";

/**
 * A row's result: `FAIL (incorrect: ...)` for a wrong result, `skipped (...)`, `load-generator
 * bound` (unless the row met its target and the bound could only have worsened it), `info` for
 * a row without a target ({@link INFO_TARGET}), `pass` or `miss`, in that order of precedence.
 *
 * @example
 * ```ts
 * import { verdict } from "./report.ts";
 * const row = { scenario: "x", ours: "1", floor: "-", ratio: 1, target: "", pass: true, samples: [] };
 * console.log(verdict(row), verdict({ ...row, bound: "clients saturated" })); // pass load-generator bound
 * console.log(verdict({ ...row, bound: "clients saturated", boundOnlyWorsens: true })); // pass
 * ```
 */
export function verdict(r: Row): string {
  if (r.error) return `FAIL (incorrect: ${r.error})`;
  if (r.skipped) return `skipped (${r.skipped})`;
  if (r.bound && !(r.pass && r.boundOnlyWorsens)) return "load-generator bound";
  if (r.target === INFO_TARGET) return "info";
  return r.pass ? "pass" : "miss";
}

/**
 * Renders rows as an aligned text table (a "vs ceiling" column appears when any row has one).
 *
 * @example
 * ```ts
 * import { renderTable } from "./report.ts";
 * console.log(renderTable([]));
 * ```
 */
export function renderTable(rows: readonly Row[]): string {
  const ceiling = rows.some((r) => r.ceiling !== undefined);
  const ratio = (v: number | undefined) =>
    v !== undefined && Number.isFinite(v) ? v.toFixed(2) : "-";
  const header = [
    "scenario",
    "ours",
    "floor",
    "ratio",
    ...(ceiling ? ["vs ceiling"] : []),
    "target",
    "result",
  ];
  const lines = rows.map((r) => [
    r.scenario,
    r.ours,
    r.floor,
    ratio(r.ratio),
    ...(ceiling ? [ratio(r.ceiling)] : []),
    r.target,
    verdict(r),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const row = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join(" | ").trimEnd();
  return [row(header), widths.map((w) => "-".repeat(w)).join("-|-"), ...lines.map(row)].join(
    "\n",
  );
}
