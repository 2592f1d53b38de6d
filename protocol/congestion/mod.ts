/**
 * Congestion control: the hook a connection calls ({@link CongestionControl}), the default
 * delay- and loss-aware controller with its pacer, loss-run ceiling and loss estimator, and the
 * controller of reliable carriers that never limits.
 *
 * @example
 * ```ts
 * import { type CongestionControl, DelayAwareCongestion } from "./mod.ts";
 * const cc: CongestionControl = new DelayAwareCongestion({ datagramSize: 1200 });
 * console.log(cc.canSend(0, 0)); // true
 * ```
 *
 * @module
 */
export type { CongestionControl, CongestionOptions } from "./controller.ts";
export { DelayAwareCongestion, LOSS_BURST_PACKETS } from "./delay_aware.ts";
export { unlimitedCongestion } from "./unlimited.ts";
export { LossEstimator } from "./loss_estimator.ts";
