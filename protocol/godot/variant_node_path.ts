/** Godot's NodePath value. @module */

import { MultiplayerError } from "../errors.ts";

/**
 * A Godot node path such as `"/root/Level/Player:position:x"`: node names separated by `/`,
 * then property subnames each introduced by `:`; absolute when it starts with `/`. On the wire
 * a NodePath is its name list, subname list and absolute flag, never the joined text.
 *
 * @example
 * ```ts
 * import { NodePath } from "./variant_node_path.ts";
 * const path = new NodePath("/root/Player:position:x");
 * console.log(path.absolute, path.names, path.subnames); // true [ "root", "Player" ] [ "position", "x" ]
 * console.log(String(path)); // /root/Player:position:x
 * ```
 */
export class NodePath {
  /** Node names, outermost first. */
  readonly names: readonly string[];
  /** Property subnames (the `:a:b` part). */
  readonly subnames: readonly string[];
  /** Whether the path starts at the scene tree root (`/`). */
  readonly absolute: boolean;

  /**
   * Parses `path` the way Godot does: empty `/` segments are skipped, a trailing `:` is
   * ignored, and an empty subname in the middle (`"a::b"`) throws `INVALID_ARGUMENT`.
   */
  constructor(path: string = "") {
    if (typeof path !== "string") {
      throw new MultiplayerError("INVALID_ARGUMENT", `NodePath needs a string, got ${typeof path}`);
    }
    const colon = path.indexOf(":");
    const nodePart = colon === -1 ? path : path.slice(0, colon);
    const subnames = colon === -1 ? [] : path.slice(colon + 1).split(":");
    if (subnames.length > 0 && subnames[subnames.length - 1] === "") subnames.pop();
    if (subnames.includes("")) {
      throw new MultiplayerError(
        "INVALID_ARGUMENT",
        `NodePath ${JSON.stringify(path)} has an empty subname`,
      );
    }
    this.absolute = nodePart.startsWith("/");
    this.names = Object.freeze(nodePart.split("/").filter((name) => name !== ""));
    this.subnames = Object.freeze(subnames);
  }

  /**
   * Builds a path from its parts without parsing, as the decoder does (names may then hold
   * characters that the text form cannot express).
   *
   * @example
   * ```ts
   * import { NodePath } from "./variant_node_path.ts";
   * const path = NodePath.fromParts(["a", "b"], ["c"], false);
   * console.log(path.toString()); // a/b:c
   * ```
   */
  static fromParts(
    names: readonly string[],
    subnames: readonly string[],
    absolute: boolean,
  ): NodePath {
    const path = new NodePath();
    // The fields are readonly for users; this factory is the one place that fills them.
    const writable = path as { -readonly [K in keyof NodePath]: NodePath[K] };
    writable.names = Object.freeze([...names]);
    writable.subnames = Object.freeze([...subnames]);
    writable.absolute = absolute === true;
    return path;
  }

  /** Whether the path has no names and no subnames (Godot's empty NodePath). */
  get isEmpty(): boolean {
    return this.names.length === 0 && this.subnames.length === 0;
  }

  /** The text form, as GDScript's `str(path)` prints it. */
  toString(): string {
    const prefix = this.absolute ? "/" : "";
    return prefix + this.names.join("/") + this.subnames.map((name) => ":" + name).join("");
  }
}
