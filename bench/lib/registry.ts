/**
 * The benchmark's scenario registry: each scenario says how to measure one repetition and which
 * table rows it contributes from the medians; `run.ts` runs the registered list. Adding a
 * scenario is one entry: `{ name, needs, run, rows }`.
 *
 * @module
 */
import { median } from "./stats.ts";
import { fmt, type Row } from "./report.ts";

/**
 * What one repetition of a scenario measured; `error` set means a correctness failure.
 *
 * @example
 * ```ts
 * import type { Measurement } from "./registry.ts";
 * const m: Measurement = { values: { rate: 1000 } };
 * ```
 */
export interface Measurement {
  /** Named values (rates, times, ratios). */
  readonly values: Record<string, number>;
  /** First correctness problem, if any. */
  readonly error?: string;
  /** Named explanations (e.g. why a step was load-generator bound). */
  readonly notes?: Record<string, string>;
}

/**
 * One registered scenario.
 *
 * @example
 * ```ts
 * import type { Scenario } from "./registry.ts";
 * const s: Scenario = {
 *   name: "constant",
 *   run: () => Promise.resolve({ values: { rate: 5 } }),
 *   rows: (r) => [r.vsFloor("constant", "constant", [r.med("constant", "rate"), "msg/s"], [5, "msg/s"], ">= 1x", (x) => x >= 1)],
 * };
 * ```
 */
export interface Scenario {
  /** Key of its results; `--only <prefix>` selects by it. */
  readonly name: string;
  /** Scenarios its rows compare with: selected along with it and run before it in each rep. */
  readonly needs?: readonly string[];
  /** Measures one repetition. */
  readonly run: () => Promise<Measurement>;
  /** Table rows from the medians of all repetitions (undefined entries are left out). */
  readonly rows?: (results: Results) => readonly (Row | undefined)[];
  /** Lines printed under the table (explanations, e.g. each side's CPU). */
  readonly footnotes?: (results: Results) => readonly string[];
  /** Why it cannot run on this machine (asked once, before any repetition), else undefined. */
  readonly unavailable?: () => Promise<string | undefined>;
}

/** Samples, errors and notes of one scenario over its repetitions. */
interface Collected {
  readonly samples: Record<string, number>[];
  readonly errors: string[];
  readonly notes: Record<string, string>[];
  skipped?: string;
}

/**
 * Everything measured so far, with the helpers rows are built from.
 *
 * @example
 * ```ts
 * import { Results } from "./registry.ts";
 * const r = new Results(["a"]);
 * r.add("a", { values: { rate: 2 } });
 * r.add("a", { values: { rate: 4 } });
 * console.log(r.med("a", "rate")); // 3
 * ```
 */
export class Results {
  readonly #byName = new Map<string, Collected>();

  /** Tracks the scenarios in `names`. */
  constructor(names: Iterable<string>) {
    for (const n of names) this.#byName.set(n, { samples: [], errors: [], notes: [] });
  }

  /** Records one repetition's measurement. */
  add(name: string, m: Measurement): void {
    const c = this.#byName.get(name);
    if (!c) return;
    c.samples.push(m.values);
    if (m.error) c.errors.push(m.error);
    if (m.notes) c.notes.push(m.notes);
  }

  /** Records a repetition that threw (a crashed child, a timeout): a failure. */
  addFailure(name: string, message: string): void {
    this.#byName.get(name)?.errors.push(`run failed: ${message}`);
  }

  /** Marks a scenario as not runnable here. */
  skip(name: string, reason: string): void {
    const c = this.#byName.get(name);
    if (c) c.skipped = reason;
  }

  /** Whether `name` was selected for this run. */
  has(name: string): boolean {
    return this.#byName.has(name);
  }

  /** Median of `key` over the repetitions of `name` (NaN when absent). */
  med(name: string, key: string): number {
    const samples = this.#byName.get(name)?.samples ?? [];
    return median(samples.map((s) => s[key]).filter(Number.isFinite));
  }

  /**
   * A note of the repetitions of `name`, when at least half of them carry it (e.g. a
   * load-generator verdict): the first such note, else undefined.
   */
  majorityNote(name: string, key: string): string | undefined {
    const c = this.#byName.get(name);
    if (!c || c.samples.length === 0) return undefined;
    const with_ = c.notes.filter((n) => n[key] !== undefined);
    return with_.length * 2 >= c.samples.length ? with_[0][key] : undefined;
  }

  /** A note of any repetition of `name` (the first one found), else undefined. */
  anyNote(name: string, key: string): string | undefined {
    return this.#byName.get(name)?.notes.find((n) => n[key] !== undefined)?.[key];
  }

  /** The JSON form: samples, errors and notes per scenario. */
  toJSON(): Record<string, Collected> {
    return Object.fromEntries(this.#byName);
  }

  /**
   * A row from the results of `name`; undefined when `name` was not selected. The row carries
   * the scenario's first correctness failure and its skip reason, if any.
   */
  row(fields: {
    scenario: string;
    name: string;
    ours: [number, string] | string;
    floor?: [number, string] | string;
    ratio: number;
    ceiling?: number;
    target: string;
    pass: (ratio: number) => boolean;
    bound?: string;
    /** See {@link Row.boundOnlyWorsens}. */
    boundOnlyWorsens?: boolean;
    /** A correctness failure of this row alone (the scenario's own errors apply as well). */
    error?: string;
  }): Row | undefined {
    const c = this.#byName.get(fields.name);
    if (!c) return undefined;
    const show = (v: [number, string] | string | undefined) =>
      v === undefined ? "-" : typeof v === "string" ? v : fmt(...v);
    return {
      scenario: fields.scenario,
      ours: show(fields.ours),
      floor: show(fields.floor),
      ratio: fields.ratio,
      ...(fields.ceiling !== undefined ? { ceiling: fields.ceiling } : {}),
      target: fields.target,
      pass: Number.isFinite(fields.ratio) && fields.pass(fields.ratio),
      ...(c.errors[0] ?? fields.error ? { error: c.errors[0] ?? fields.error } : {}),
      ...(fields.bound ? { bound: fields.bound } : {}),
      ...(fields.boundOnlyWorsens ? { boundOnlyWorsens: true } : {}),
      ...(c.skipped ? { skipped: c.skipped } : {}),
      samples: c.samples,
    };
  }

  /**
   * A row measured against a floor: the ratio is ours / floor; `ceiling`, when given, is the
   * "vs ceiling" column (ours / a reference of the same run).
   */
  vsFloor(
    scenario: string,
    name: string,
    ours: [number, string],
    floor: [number, string],
    target: string,
    pass: (ratio: number) => boolean,
    ceiling?: number,
  ): Row | undefined {
    const ratio = ours[0] / floor[0];
    return this.row({ scenario, name, ours, floor, ratio, ceiling, target, pass });
  }
}
