/**
 * The Godot example (examples/godot/) end to end: its Deno server on a free port, and its
 * GDScript client run headless by real Godot 3.2 (godot3-server) against it. Needs godot3-server
 * and --allow-run --allow-read --allow-write --allow-env --allow-net --unstable-net; otherwise
 * it reports itself skipped with the reason.
 */
import assert from "node:assert/strict";
import { startExampleServer } from "../examples/godot/server.ts";
import { godotBinary, godotSkipReason } from "./godot/environment.ts";

const skip = godotSkipReason();
if (skip) console.warn(`example_godot_test: skipped: ${skip}`);

const PROJECT = new URL("../examples/godot/", import.meta.url);
const FILES = ["project.godot", "main.tscn", "main.gd"];

Deno.test({
  name: "example godot: the GDScript client joins the example server, greets, gets the echo",
  ignore: skip !== undefined,
  async fn() {
    const log: string[] = [];
    const server = await startExampleServer(0, (line) => log.push(line), "127.0.0.1");
    // a copy of the project, so Godot's files (user data, caches) stay out of the repository
    const dir = await Deno.makeTempDir({ prefix: "godot-example-" });
    try {
      for (const f of FILES) await Deno.copyFile(new URL(f, PROJECT), `${dir}/${f}`);
      const output = await new Deno.Command(godotBinary(), {
        args: ["--no-window", "--path", dir, "--", "--quit-after-echo"],
        env: {
          LANG: "en_US.UTF-8",
          XDG_DATA_HOME: `${dir}/data`,
          GODOT_EXAMPLE_PORT: String(server.port),
        },
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
        signal: AbortSignal.timeout(20_000),
      }).output();
      const stdout = new TextDecoder().decode(output.stdout);
      const stderr = new TextDecoder().decode(output.stderr);
      assert.equal(output.code, 0, `Godot exited with ${output.code}\n${stdout}\n${stderr}`);
      const id = Number(stdout.match(/connected as (\d+)/)?.[1]);
      assert.ok(id > 1, stdout);
      assert.match(stdout, new RegExp(`connecting to 127\\.0\\.0\\.1:${server.port}`));
      assert.match(
        stdout,
        new RegExp(`received from 1: \\{"greeting":"welcome to the Deno server","id":${id}\\}`),
      );
      assert.match(
        stdout,
        /received from 1: \{"echo":\{"godot":"3\.2\.[^"]*","hello":"from Godot"\}\}/,
      );
      assert.ok(log.includes(`peer ${id} joined`), log.join("\n"));
      assert.ok(
        log.some((l) => l.startsWith(`peer ${id} sent {"hello":"from Godot","godot":"3.2.`)),
        log.join("\n"),
      );
    } finally {
      await server.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
