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
  /** Human-readable target, e.g. ">= 15x". */
  readonly target: string;
  /** Target met. */
  readonly pass: boolean;
  /** Correctness failure (a fast wrong answer), if any. */
  readonly error?: string;
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
 * Renders rows as an aligned text table.
 *
 * @example
 * ```ts
 * import { renderTable } from "./report.ts";
 * console.log(renderTable([]));
 * ```
 */
export function renderTable(rows: readonly Row[]): string {
  const header = ["scenario", "ours", "floor", "ratio", "target", "result"];
  const lines = rows.map((r) => [
    r.scenario,
    r.ours,
    r.floor,
    Number.isFinite(r.ratio) ? r.ratio.toFixed(2) : "-",
    r.target,
    r.error ? `FAIL (incorrect: ${r.error})` : r.pass ? "pass" : "miss",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const row = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join(" | ");
  return [row(header), widths.map((w) => "-".repeat(w)).join("-|-"), ...lines.map(row)].join(
    "\n",
  );
}
