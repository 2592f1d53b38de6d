/** Validation of congestion options (throws MultiplayerError INVALID_ARGUMENT). @module */
import { MultiplayerError } from "../errors.ts";

/** Validates a positive option (throws MultiplayerError INVALID_ARGUMENT). */
export function positive(name: string, value: number, allowInfinity = false): number {
  if (!(value > 0) || (!allowInfinity && value === Infinity)) {
    throw new MultiplayerError("INVALID_ARGUMENT", `congestion ${name} must be > 0, got ${value}`);
  }
  return value;
}

/** Validates a bytes/s cap >= 0 (throws MultiplayerError INVALID_ARGUMENT). */
export function bandwidth(name: string, value: number): number {
  if (!(value >= 0) || value === Infinity) {
    throw new MultiplayerError(
      "INVALID_ARGUMENT",
      `${name} must be a finite number of bytes/s >= 0 (0 = no cap), got ${value}`,
    );
  }
  return value;
}
