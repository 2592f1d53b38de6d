/** The controller of reliable carriers: it never limits. @module */
import type { CongestionControl } from "./controller.ts";

/**
 * A {@link CongestionControl} that never limits (reliable carriers: the carrier has its own).
 *
 * @example
 * ```ts
 * import { unlimitedCongestion } from "./unlimited.ts";
 * console.log(unlimitedCongestion.canSend(1e9, 0), unlimitedCongestion.congestionWindow); // true Infinity
 * ```
 */
export const unlimitedCongestion: CongestionControl = {
  canSend: () => true,
  nextSendTime: (now) => now,
  onSent: () => {},
  onAck: () => {},
  onLoss: () => {},
  onRetransmitTimeout: () => {},
  onSpuriousLoss: () => {},
  setOutBandwidth: () => {},
  setPeerInBandwidth: () => {},
  setPeerReceiveWindow: () => {},
  congestionWindow: Infinity,
  pacingRate: Infinity,
};
