import assert from "node:assert/strict";
import { jsonLine, LineSplitter } from "./_lines.ts";

Deno.test("lines: a command is one JSON line that parses back to the same value", () => {
  const value = { cmd: "put_var", value: '"h\u00e9llo\n\u{1f600}"', seq: 3 };
  const line = jsonLine(value);
  assert.equal(line.indexOf("\n"), line.length - 1);
  assert.deepEqual(JSON.parse(line), value);
});

Deno.test("lines: events split across chunks, even inside a UTF-8 sequence", () => {
  const bytes = new TextEncoder().encode('{"a":"\u00e9"}\n{"b":2}\n{"c"');
  const lines = new LineSplitter();
  const out: string[] = [];
  for (let i = 0; i < bytes.length; i++) out.push(...lines.push(bytes.subarray(i, i + 1)));
  assert.deepEqual(out, ['{"a":"\u00e9"}', '{"b":2}']);
  assert.deepEqual(lines.push(new TextEncoder().encode(":3}\n")), ['{"c":3}']);
});
