/**
 * Runs the JSDoc examples of every library module (`deno test --doc` over the non-test sources
 * of `mod.ts`, `protocol/` and `transport/`), with the library's own permissions only.
 *
 * Usage: `deno run --allow-read --allow-run .ci/doc_examples.ts`
 *
 * @module
 */
const root = new URL("..", import.meta.url).pathname;

async function sources(dir: string, out: string[]): Promise<string[]> {
  for await (const e of Deno.readDir(`${root}${dir}`)) {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory) await sources(path, out);
    else if (e.name.endsWith(".ts") && !/(_test|_test_util)\.ts$/.test(e.name)) out.push(path);
  }
  return out;
}

const files = ["mod.ts", ...await sources("protocol", []), ...await sources("transport", [])];
const { code } = await new Deno.Command(Deno.execPath(), {
  args: ["test", "--doc", "--quiet", "--allow-net", "--unstable-net", ...files.sort()],
  cwd: root,
  stdout: "inherit",
  stderr: "inherit",
}).output();
Deno.exit(code);
