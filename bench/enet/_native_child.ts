/**
 * The C side of the ENet-wire benchmark: builds `enet_bench.c` against the system libenet once per
 * run (into a temp dir removed at exit) and runs it as a child that speaks the same JSON lines as
 * the Deno children (events on stdout, commands on stdin).
 *
 * @module
 */
import { Child, type ChildEvent } from "../lib/proc.ts";

/**
 * One JSON object printed by the C child on its own stdout line.
 *
 * @example
 * ```ts
 * import type { NativeEvent } from "./_native_child.ts";
 * let value: NativeEvent | undefined;
 * ```
 */
export type NativeEvent = ChildEvent;

const SOURCE = new URL("./enet_bench.c", import.meta.url);
let built: Promise<string | Error> | undefined;

async function commandWorks(cmd: string, args: string[]): Promise<boolean> {
  try {
    const r = await new Deno.Command(cmd, { args, stdout: "null", stderr: "null" }).output();
    return r.success;
  } catch {
    return false;
  }
}

function build(): Promise<string | Error> {
  built ??= (async () => {
    if (!await commandWorks("gcc", ["--version"])) return new Error("gcc not found");
    try {
      await Deno.stat("/usr/include/enet/enet.h");
    } catch {
      return new Error("libenet headers not found (Debian: libenet-dev)");
    }
    const dir = await Deno.makeTempDir({ prefix: "enet_bench_" });
    globalThis.addEventListener("unload", () => {
      try {
        Deno.removeSync(dir, { recursive: true });
      } catch {
        // already gone
      }
    });
    const out = `${dir}/enet_bench`;
    const r = await new Deno.Command("gcc", {
      args: ["-O2", "-Wall", "-o", out, SOURCE.pathname, "-lenet"],
      stdout: "null",
      stderr: "piped",
    }).output();
    if (!r.success) {
      const why = new TextDecoder().decode(r.stderr).split("\n").find((l) => /error/.test(l));
      return new Error(`enet_bench.c does not build against libenet: ${why ?? "gcc failed"}`);
    }
    return out;
  })();
  return built;
}

/**
 * Why the C side cannot run here (no gcc, no libenet, a failed build), or undefined when it can.
 * Builds the program on first use.
 *
 * @example
 * ```ts
 * import { nativeUnavailable } from "./_native_child.ts";
 * console.log((await nativeUnavailable()) ?? "libenet benchmarks can run");
 * ```
 */
export async function nativeUnavailable(): Promise<string | undefined> {
  const r = await build();
  return r instanceof Error ? r.message : undefined;
}

/**
 * Builds the program if needed and starts it with `args` (a {@link Child}, like the Deno
 * children); throws when it cannot be built.
 *
 * @example
 * ```ts
 * import { spawnNative } from "./_native_child.ts";
 * const child = await spawnNative(["server", "echo", "32", "0", "0", "5000"], "libenet echo");
 * await child.close();
 * ```
 */
export async function spawnNative(args: readonly string[], label: string): Promise<Child> {
  const binary = await build();
  if (binary instanceof Error) throw binary;
  return new Child(binary, args, label);
}
