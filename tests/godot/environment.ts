/**
 * What a test needs before it can run real Godot: the binary, the permissions, and free ports
 * Godot can bind.
 *
 * @module
 */

/** Where Debian installs the headless Godot 3.2 binary. */
const DEFAULT_GODOT = "/usr/bin/godot3-server";

/** Godot binds ports itself, so they must stay below the kernel's ephemeral range. */
const PORT_MIN = 20000;
const PORT_MAX = 32767;
const PORT_ATTEMPTS = 200;

/** Ports handed out by this process: two puppets started together never share one. */
const handedOut = new Set<number>();

const PERMISSIONS = ["run", "read", "write", "env", "net"] as const;

/**
 * Path of the Godot 3.2 headless binary: `$GODOT3_SERVER` if set, else /usr/bin/godot3-server.
 * Needs --allow-env to honour the variable (falls back to the default without it).
 *
 * @example
 * ```ts
 * import { godotBinary } from "./environment.ts";
 * console.log(godotBinary().endsWith("godot3-server") || Deno.env.has("GODOT3_SERVER"));
 * ```
 */
export function godotBinary(): string {
  if (Deno.permissions.querySync({ name: "env", variable: "GODOT3_SERVER" }).state === "granted") {
    const fromEnv = Deno.env.get("GODOT3_SERVER");
    if (fromEnv) return fromEnv;
  }
  return DEFAULT_GODOT;
}

/**
 * Why real-Godot tests cannot run here, or `undefined` when they can. Tests register with
 * `ignore: skip !== undefined` and print `console.warn("<file>: skipped: <reason>")`.
 *
 * @example
 * ```ts
 * import { godotSkipReason } from "./environment.ts";
 * const skip = godotSkipReason();
 * if (skip) console.warn(`example: skipped: ${skip}`);
 * ```
 */
export function godotSkipReason(): string | undefined {
  for (const name of PERMISSIONS) {
    if (Deno.permissions.querySync({ name }).state !== "granted") {
      return `needs --allow-run --allow-read --allow-write --allow-env --allow-net ` +
        `(missing ${name}); run \`deno task test\``;
    }
  }
  const binary = godotBinary();
  try {
    const info = Deno.statSync(binary);
    if (!info.isFile) return `${binary} is not a file`;
  } catch {
    return `${binary} not found (apt-get install godot3-server, or set GODOT3_SERVER)`;
  }
  if (typeof Deno.listenDatagram !== "function") return "needs --unstable-net (UDP)";
  return undefined;
}

/** Whether `port` is free for both TCP and UDP on 127.0.0.1 right now. */
function isFree(port: number): boolean {
  let tcp: Deno.Listener | undefined;
  let udp: Deno.DatagramConn | undefined;
  try {
    tcp = Deno.listen({ hostname: "127.0.0.1", port, transport: "tcp" });
    udp = Deno.listenDatagram({ hostname: "127.0.0.1", port, transport: "udp" });
    return true;
  } catch {
    return false;
  } finally {
    tcp?.close();
    udp?.close();
  }
}

/**
 * A port in 20000..32767 that is free on 127.0.0.1 for both TCP and UDP, and not handed out
 * before by this process. Needs --allow-net and --unstable-net.
 *
 * @example
 * ```ts
 * import { godotSkipReason, pickPort } from "./environment.ts";
 * if (godotSkipReason() === undefined) {
 *   const port = pickPort();
 *   console.log(port >= 20000 && port < 32768);
 * }
 * ```
 */
export function pickPort(): number {
  for (let attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
    const port = PORT_MIN + Math.floor(Math.random() * (PORT_MAX - PORT_MIN + 1));
    if (handedOut.has(port) || !isFree(port)) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error(`no free port in ${PORT_MIN}..${PORT_MAX} after ${PORT_ATTEMPTS} attempts`);
}
