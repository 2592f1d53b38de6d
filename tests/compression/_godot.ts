/** Runs a GDScript job list with godot3-server over files in a temp dir (test helper). @module */

/** Longest a Godot run may take before it is killed and the test fails. */
const GODOT_TIMEOUT_MS = 60_000;

/** Absolute path of godot3-server ($GODOT3_SERVER, else the first one on $PATH), if any. */
export function findGodot(): string | undefined {
  const candidates = [Deno.env.get("GODOT3_SERVER")];
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    if (dir) candidates.push(`${dir}/godot3-server`);
  }
  for (const path of candidates) {
    if (!path) continue;
    try {
      if (Deno.statSync(path).isFile) return path;
    } catch {
      // not there; try the next one
    }
  }
  return undefined;
}

/** One job line of the script's jobs.txt, with the bytes it reads as in_<name>.bin. */
export interface GodotJob {
  line: string;
  name: string;
  input: Uint8Array;
}

/**
 * Copies `script` into a fresh project dir with the jobs' inputs, runs it headless, and returns
 * every job's out_<name>.bin in order. Throws with Godot's output when the run fails.
 */
export async function runGodotScript(script: URL, jobs: GodotJob[]): Promise<Uint8Array[]> {
  const godot = findGodot();
  if (!godot) throw new Error("godot3-server not found");
  const dir = await Deno.makeTempDir({ prefix: "netplay-godot-codecs-" });
  try {
    await Deno.writeTextFile(`${dir}/project.godot`, '[application]\nconfig/name="codecs"\n');
    await Deno.copyFile(script, `${dir}/job.gd`);
    for (const job of jobs) await Deno.writeFile(`${dir}/in_${job.name}.bin`, job.input);
    await Deno.writeTextFile(`${dir}/jobs.txt`, jobs.map((j) => j.line).join("\n") + "\n");
    const child = new Deno.Command(godot, {
      args: ["--no-window", "--path", dir, "-s", "job.gd"],
      env: { LANG: "en_US.UTF-8" },
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const timer = setTimeout(() => child.kill("SIGKILL"), GODOT_TIMEOUT_MS);
    let result: Deno.CommandOutput;
    try {
      result = await child.output();
    } finally {
      clearTimeout(timer);
    }
    const stdout = new TextDecoder().decode(result.stdout);
    if (!result.success || !stdout.includes("done")) {
      throw new Error(
        `godot3-server failed (code ${result.code}):\n${stdout}\n` +
          new TextDecoder().decode(result.stderr),
      );
    }
    const outputs: Uint8Array[] = [];
    for (const job of jobs) outputs.push(await Deno.readFile(`${dir}/out_${job.name}.bin`));
    return outputs;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** A running godot3-server process started by {@link spawnGodot}. */
export interface GodotProcess {
  /** Resolves once the process printed a line containing `text` (rejects if it exits first). */
  waitFor(text: string): Promise<void>;
  /** Waits for the exit (killing the process after `timeoutMs`); returns its output. */
  finish(timeoutMs?: number): Promise<{ success: boolean; output: string }>;
}

/**
 * Starts `script` in a fresh project dir holding `files` (name -> text). Call `finish()` on the
 * result in every case: it also removes the dir.
 */
export async function spawnGodot(
  script: URL,
  files: Record<string, string>,
): Promise<GodotProcess> {
  const godot = findGodot();
  if (!godot) throw new Error("godot3-server not found");
  const dir = await Deno.makeTempDir({ prefix: "netplay-godot-enet-" });
  await Deno.writeTextFile(`${dir}/project.godot`, '[application]\nconfig/name="enet"\n');
  await Deno.copyFile(script, `${dir}/job.gd`);
  for (const [name, text] of Object.entries(files)) {
    await Deno.writeTextFile(`${dir}/${name}`, text);
  }
  const child = new Deno.Command(godot, {
    args: ["--no-window", "--path", dir, "-s", "job.gd"],
    env: { LANG: "en_US.UTF-8" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let output = "";
  let exited = false;
  const waiters: { text: string; resolve: () => void; reject: (e: Error) => void }[] = [];
  const settle = () => {
    for (let i = waiters.length - 1; i >= 0; i--) {
      if (output.includes(waiters[i].text)) waiters.splice(i, 1)[0].resolve();
      else if (exited) {
        waiters.splice(i, 1)[0].reject(new Error(`exited before "${waiters[i].text}":\n${output}`));
      }
    }
  };
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      output += chunk;
      settle();
    }
  };
  const collected = Promise.all([collect(child.stdout), collect(child.stderr)]);
  const status = child.status.then(async (s) => {
    await collected;
    exited = true;
    settle();
    return s;
  });
  return {
    waitFor(text) {
      return new Promise<void>((resolve, reject) => {
        waiters.push({ text, resolve, reject });
        settle();
      });
    },
    async finish(timeoutMs = GODOT_TIMEOUT_MS) {
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      try {
        const s = await status;
        return { success: s.success, output };
      } finally {
        clearTimeout(timer);
        await Deno.remove(dir, { recursive: true });
      }
    },
  };
}
