/** Round-trip time estimation and the packet throttle, with ENet's integer arithmetic. @module */
import { EnetDefault } from "./constants.ts";

/**
 * RTT estimator plus the unreliable packet throttle it drives.
 *
 * @example
 * ```ts
 * import { LinkTiming } from "./_rtt.ts";
 * const t = new LinkTiming();
 * t.sample(20, 0);
 * console.log(t.rtt, t.rttVariance); // 20 10
 * ```
 */
export class LinkTiming {
  /** Smoothed round-trip time (ms). */
  rtt: number = EnetDefault.ROUND_TRIP_TIME;
  rttVariance = 0;
  /** Lowest smoothed RTT of the previous throttle interval. */
  lastRtt: number = EnetDefault.ROUND_TRIP_TIME;
  lastRttVariance = 0;
  lowestRtt: number = EnetDefault.ROUND_TRIP_TIME;
  highestRttVariance = 0;
  /** Whether any acknowledgement was received yet. */
  hasSample = false;
  /** Start of the current throttle interval (undefined = none yet). */
  throttleEpoch: number | undefined = undefined;
  /** Probability scale (0..32) that an unreliable packet goes out under ENet's shedding rule. */
  packetThrottle: number = EnetDefault.PACKET_THROTTLE;
  /** Ceiling of `packetThrottle` set by the host bandwidth throttle. */
  packetThrottleLimit: number = EnetDefault.PACKET_THROTTLE_SCALE;
  packetThrottleCounter = 0;
  throttleInterval: number = EnetDefault.PACKET_THROTTLE_INTERVAL;
  throttleAcceleration: number = EnetDefault.PACKET_THROTTLE_ACCELERATION;
  throttleDeceleration: number = EnetDefault.PACKET_THROTTLE_DECELERATION;

  /** Adjusts the packet throttle for one RTT sample: -1 slowed, 1 sped up, 0 unchanged. */
  throttle(sample: number): number {
    if (this.lastRtt <= this.lastRttVariance) {
      this.packetThrottle = this.packetThrottleLimit;
    } else if (sample <= this.lastRtt) {
      this.packetThrottle = Math.min(
        this.packetThrottle + this.throttleAcceleration,
        this.packetThrottleLimit,
      );
      return 1;
    } else if (sample > this.lastRtt + 2 * this.lastRttVariance) {
      this.packetThrottle = this.packetThrottle > this.throttleDeceleration
        ? this.packetThrottle - this.throttleDeceleration
        : 0;
      return -1;
    }
    return 0;
  }

  /** Folds one RTT sample (ms, >= 1) taken at `now` into the estimates. */
  sample(sample: number, now: number): void {
    if (this.hasSample) {
      this.throttle(sample);
      this.rttVariance -= Math.floor(this.rttVariance / 4);
      if (sample >= this.rtt) {
        const diff = sample - this.rtt;
        this.rttVariance += Math.floor(diff / 4);
        this.rtt += Math.floor(diff / 8);
      } else {
        const diff = this.rtt - sample;
        this.rttVariance += Math.floor(diff / 4);
        this.rtt -= Math.floor(diff / 8);
      }
    } else {
      this.rtt = sample;
      this.rttVariance = Math.floor((sample + 1) / 2);
      this.hasSample = true;
    }
    if (this.rtt < this.lowestRtt) this.lowestRtt = this.rtt;
    if (this.rttVariance > this.highestRttVariance) this.highestRttVariance = this.rttVariance;
    if (this.throttleEpoch === undefined || now - this.throttleEpoch >= this.throttleInterval) {
      this.lastRtt = this.lowestRtt;
      this.lastRttVariance = Math.max(this.highestRttVariance, 1);
      this.lowestRtt = this.rtt;
      this.highestRttVariance = this.rttVariance;
      this.throttleEpoch = now;
    }
  }

  /** Retransmission timeout of a command sent now. */
  get rto(): number {
    return this.rtt + 4 * this.rttVariance;
  }
}

/**
 * Round-trip time of an acknowledgement that echoes the 16-bit `sentTime`, seen at the integer
 * ms clock `now`; undefined when the echo claims to come from the future (ENet ignores those).
 *
 * @example
 * ```ts
 * import { echoedRoundTrip } from "./_rtt.ts";
 * console.log(echoedRoundTrip(0x10005, 0xfffe)); // 7
 * ```
 */
export function echoedRoundTrip(now: number, sentTime: number): number | undefined {
  const low = clock16(now);
  let rtt: number;
  if ((sentTime & 0x8000) === (low & 0x8000)) {
    if (sentTime > low) return undefined;
    rtt = low - sentTime;
  } else if (sentTime & 0x8000) {
    rtt = low + 0x10000 - sentTime;
  } else {
    rtt = low - sentTime;
  }
  return Math.max(rtt, 1);
}

/**
 * The 16-bit wire clock of an integer ms time (any sign).
 *
 * @example
 * ```ts
 * import { clock16 } from "./_rtt.ts";
 * console.log(clock16(0x12345), clock16(-1)); // 9029 65535
 * ```
 */
export function clock16(now: number): number {
  return ((now % 0x10000) + 0x10000) % 0x10000;
}
