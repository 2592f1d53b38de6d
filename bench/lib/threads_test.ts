import assert from "node:assert/strict";
import { parseThreadCpu, readThreadCpu, threadShare } from "./threads.ts";

const stat = (tid: number, name: string, user: number, system: number) =>
  `${tid} (${name}) S 1 1 1 0 -1 0 0 0 0 0 ${user} ${system} 0 0 20 0 1 0 1 1 1`;

Deno.test("parseThreadCpu groups threads by kind; names with spaces and parentheses; junk", () => {
  const text = [
    stat(100, "deno", 300, 100),
    stat(101, "worker-1", 40, 10),
    stat(102, "V8 DefaultWorke", 5, 0),
    stat(103, "V8 DefaultWorke", 5, 0),
    stat(104, "tokio (io) x", 2, 0),
    "garbage line",
    "",
  ].join("\n");
  assert.deepEqual(parseThreadCpu(text, 100), { main: 4, workers: 0.5, helpers: 0.1, other: 0.02 });
  assert.deepEqual(threadShare(parseThreadCpu(text, 100), parseThreadCpu(text, 100), 1), {
    main: 0,
    workers: 0,
    helpers: 0,
    other: 0,
  });
});

Deno.test("readThreadCpu reads this process: its main thread has run", {
  ignore: Deno.build.os !== "linux",
}, async () => {
  const t = await readThreadCpu(Deno.pid);
  assert.ok(t !== undefined, "/proc readable through ls and cat");
  assert.ok(t.main > 0, `main thread CPU ${t.main}`);
  assert.equal(await readThreadCpu(2 ** 22 + 12345), undefined, "no such process");
});
