import assert from "node:assert/strict";
import { FunctionCode, I32, I64, ModuleWriter, Op } from "./_wasm_emitter.ts";

Deno.test("wasm emitter: constants, locals and loops encode as the runtime reads them", () => {
  const m = new ModuleWriter(1);
  const constants: (number | bigint)[] = [0, 1, -1, 63, 64, -64, -65, 0x7fffffff, -0x80000000];
  constants.push(2 ** 40, -(2 ** 52), 2n ** 62n, -(2n ** 63n), 2n ** 64n - 1n); // the last wraps
  // pick(i) -> the i-th constant, through an i64 chain of selects written as ifs
  const pick = new FunctionCode([I32], [I64]);
  const out = pick.local(I64);
  constants.forEach((c, i) => {
    pick.get(0).i32(i).op(Op.i32Eq, Op.if, Op.void).i64(c).set(out).op(Op.end);
  });
  pick.get(out);
  m.exportFunction("pick", m.addFunction(pick));
  // sum(n) = 0 + 1 + ... + n - 1, a loop with a counter local and a 300-byte store offset
  const sum = new FunctionCode([I32], [I32]);
  const i = sum.local(I32), acc = sum.local(I32);
  sum.op(Op.block, Op.void, Op.loop, Op.void);
  sum.get(i).get(0).op(Op.i32GeU).brIf(1);
  sum.get(acc).get(i).op(Op.i32Add).set(acc);
  sum.get(i).i32(1).op(Op.i32Add).set(i);
  sum.br(0);
  sum.op(Op.end, Op.end);
  sum.i32(0).get(acc).mem(Op.i32Store, 2, 300);
  sum.i32(0).mem(Op.i32Load, 2, 300);
  m.exportFunction("sum", m.addFunction(sum));
  const { exports } = new WebAssembly.Instance(new WebAssembly.Module(m.encode()));
  const pickFn = exports.pick as (i: number) => bigint;
  constants.forEach((c, i) => assert.equal(pickFn(i), BigInt.asIntN(64, BigInt(c)), `${c}`));
  assert.equal((exports.sum as (n: number) => number)(1000), 499500);
  assert.ok(exports.memory instanceof WebAssembly.Memory);
  assert.equal((exports.memory as WebAssembly.Memory).buffer.byteLength, 65536);
});
