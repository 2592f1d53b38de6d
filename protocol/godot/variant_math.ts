/**
 * Godot's math value types. On the wire every component is an f32, so values are rounded to
 * single precision when encoded; decoded values hold exactly what was sent.
 * @module
 */

/**
 * A 2D vector.
 *
 * @example
 * ```ts
 * import { Vector2 } from "./variant_math.ts";
 * const v = new Vector2(1, 2);
 * console.log(v.x + v.y); // 3
 * ```
 */
export class Vector2 {
  /** Creates `(x, y)`. */
  constructor(readonly x: number, readonly y: number) {}
}

/**
 * A 3D vector.
 *
 * @example
 * ```ts
 * import { Vector3 } from "./variant_math.ts";
 * console.log(new Vector3(1, 2, 3).z); // 3
 * ```
 */
export class Vector3 {
  /** Creates `(x, y, z)`. */
  constructor(readonly x: number, readonly y: number, readonly z: number) {}
}

/**
 * An axis-aligned 2D rectangle.
 *
 * @example
 * ```ts
 * import { Rect2, Vector2 } from "./variant_math.ts";
 * const r = new Rect2(new Vector2(0, 0), new Vector2(10, 5));
 * console.log(r.size.x); // 10
 * ```
 */
export class Rect2 {
  /** Creates a rectangle from its corner with the smallest coordinates and its size. */
  constructor(readonly position: Vector2, readonly size: Vector2) {}
}

/**
 * A 2D affine transform: two basis axes and an origin (Godot's `Transform2D(x, y, origin)`).
 *
 * @example
 * ```ts
 * import { Transform2D, Vector2 } from "./variant_math.ts";
 * const t = new Transform2D(new Vector2(1, 0), new Vector2(0, 1), new Vector2(5, 6));
 * console.log(t.origin.x); // 5
 * ```
 */
export class Transform2D {
  /** The identity transform. */
  static readonly IDENTITY: Transform2D = new Transform2D(
    new Vector2(1, 0),
    new Vector2(0, 1),
    new Vector2(0, 0),
  );
  /** Creates a transform from its x axis, y axis and origin. */
  constructor(readonly x: Vector2, readonly y: Vector2, readonly origin: Vector2) {}
}

/**
 * A plane: unit normal and distance from the origin.
 *
 * @example
 * ```ts
 * import { Plane, Vector3 } from "./variant_math.ts";
 * console.log(new Plane(new Vector3(0, 1, 0), 2).d); // 2
 * ```
 */
export class Plane {
  /** Creates the plane of points p with `normal · p = d`. */
  constructor(readonly normal: Vector3, readonly d: number) {}
}

/**
 * A quaternion (Godot 3's `Quat`).
 *
 * @example
 * ```ts
 * import { Quat } from "./variant_math.ts";
 * console.log(new Quat(0, 0, 0, 1).w); // 1
 * ```
 */
export class Quat {
  /** Creates `(x, y, z, w)`. */
  constructor(
    readonly x: number,
    readonly y: number,
    readonly z: number,
    readonly w: number,
  ) {}
}

/**
 * An axis-aligned 3D box.
 *
 * @example
 * ```ts
 * import { AABB, Vector3 } from "./variant_math.ts";
 * const box = new AABB(new Vector3(0, 0, 0), new Vector3(1, 2, 3));
 * console.log(box.size.y); // 2
 * ```
 */
export class AABB {
  /** Creates a box from its corner with the smallest coordinates and its size. */
  constructor(readonly position: Vector3, readonly size: Vector3) {}
}

/**
 * A 3x3 matrix given by its three column axes, exactly like GDScript's `Basis(x, y, z)` and
 * `basis.x` / `basis.y` / `basis.z`.
 *
 * @example
 * ```ts
 * import { Basis, Vector3 } from "./variant_math.ts";
 * console.log(Basis.IDENTITY.y.y); // 1
 * const b = new Basis(new Vector3(2, 0, 0), new Vector3(0, 2, 0), new Vector3(0, 0, 2));
 * console.log(b.z.z); // 2
 * ```
 */
export class Basis {
  /** The identity matrix. */
  static readonly IDENTITY: Basis = new Basis(
    new Vector3(1, 0, 0),
    new Vector3(0, 1, 0),
    new Vector3(0, 0, 1),
  );
  /** Creates a basis from its x, y and z axes (the matrix columns). */
  constructor(readonly x: Vector3, readonly y: Vector3, readonly z: Vector3) {}
}

/**
 * A 3D affine transform: a basis and an origin.
 *
 * @example
 * ```ts
 * import { Basis, Transform, Vector3 } from "./variant_math.ts";
 * const t = new Transform(Basis.IDENTITY, new Vector3(1, 2, 3));
 * console.log(t.origin.z); // 3
 * ```
 */
export class Transform {
  /** The identity transform. */
  static readonly IDENTITY: Transform = new Transform(Basis.IDENTITY, new Vector3(0, 0, 0));
  /** Creates a transform from its basis and origin. */
  constructor(readonly basis: Basis, readonly origin: Vector3) {}
}

/**
 * An RGBA colour with float components (usually 0..1).
 *
 * @example
 * ```ts
 * import { Color } from "./variant_math.ts";
 * console.log(new Color(1, 0.5, 0).a); // 1
 * ```
 */
export class Color {
  /** Creates a colour; alpha defaults to opaque. */
  constructor(
    readonly r: number,
    readonly g: number,
    readonly b: number,
    readonly a: number = 1,
  ) {}
}
