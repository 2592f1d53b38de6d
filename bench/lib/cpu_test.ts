import assert from "node:assert/strict";
import { CpuWindow, processCpuUs } from "./cpu.ts";

Deno.test("CpuWindow: CPU per unit since the mark; NaN before a mark or without work", () => {
  const w = new CpuWindow();
  assert.ok(Number.isNaN(w.perUnit(10)), "no mark yet");
  w.mark(100);
  assert.ok(Number.isNaN(w.perUnit(100)), "no work since the mark");
  const start = processCpuUs();
  let x = 0;
  while (processCpuUs() - start < 2000) x += Math.sqrt(x + 1); // ~2 ms of CPU
  const per = w.perUnit(200); // 100 units done
  assert.ok(per >= 15 && per < 1000, `${per} us per unit (about 2000 us / 100)`);
  assert.ok(x > 0);
});
