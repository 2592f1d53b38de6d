/**
 * The layering check of `deno task check` (`.ci/layers.ts`) passes on this tree and catches
 * what it exists to catch: a planted protocol/ -> transport/ import, clock use in protocol/, a
 * second host driver and an import cycle.
 */
import assert from "node:assert/strict";
import { checkLayout, importsOf, readTree } from "../.ci/layers.ts";

const root = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const canRead = Deno.permissions.querySync({ name: "read", path: root }).state === "granted";
if (!canRead) console.warn("layout_check_test: skipped: needs --allow-read");

Deno.test({
  name: "layers: the tree is clean; planted violations are caught",
  ignore: !canRead,
  async fn() {
    const tree = await readTree(root);
    assert.ok(tree.has("protocol/host/host.ts") && tree.has("transport/driver.ts"), "tree read");
    assert.deepEqual(checkLayout(tree), [], "this tree has no violation");

    const upward = new Map(tree);
    upward.set(
      "protocol/wire/frame.ts",
      tree.get("protocol/wire/frame.ts") +
        '\nimport type { Clock } from "../../transport/time/clock.ts";\n',
    );
    assert.deepEqual(checkLayout(upward).map((v) => v.rule), ["impure-import"]);

    const clock = new Map(tree);
    clock.set("protocol/wire/frame.ts", tree.get("protocol/wire/frame.ts") + "\nDate.now();\n");
    assert.deepEqual(checkLayout(clock).map((v) => v.rule), ["impure-api"]);

    const driver = new Map(tree);
    driver.set(
      "transport/peers/udp_peer.ts",
      tree.get("transport/peers/udp_peer.ts") + "\nnull!.host.handleTimeout(0);\n",
    );
    assert.deepEqual(checkLayout(driver).map((v) => v.rule), ["second-driver"]);

    const cycle = new Map(tree);
    cycle.set(
      "protocol/connection/_rtt.ts",
      tree.get("protocol/connection/_rtt.ts") +
        '\nimport type { Connection } from "./connection.ts";\n',
    );
    const found = checkLayout(cycle);
    assert.deepEqual(found.map((v) => v.rule), ["cycle"]);
    assert.match(found[0].message, /protocol\/connection\/_rtt\.ts/);
  },
});

Deno.test("layers: imports in comments and strings are not imports", () => {
  const src = [
    "/** ```ts\n * import { x } from './a.ts';\n * ``` */",
    "// import './b.ts';",
    "const s = \"import './c.ts'\";",
    "const re = /[`'\"]/g; /** ```ts\n * import { y } from './g.ts';\n * ``` */",
    'import { d } from "./d.ts";',
    'export { e } from "./e.ts";',
    'const f = await import("./f.ts");',
  ].join("\n");
  assert.deepEqual(importsOf(src), ["./d.ts", "./e.ts", "./f.ts"]);
});
