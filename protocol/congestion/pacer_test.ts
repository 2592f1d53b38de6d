import assert from "node:assert/strict";
import { MultiplayerError } from "../errors.ts";
import { Pacer } from "./_pacer.ts";

Deno.test("pacer: unpaced until a rate is set", () => {
  const pacer = new Pacer({ now: 0 });
  for (let i = 0; i < 1000; i++) pacer.onSent(1200, 0);
  assert.equal(pacer.canSend(0), true);
  assert.equal(pacer.nextSendTime(5), 5);
  assert.equal(pacer.rate, Infinity);
});

Deno.test("pacer: a burst up to the allowance, then one datagram per interval", () => {
  const pacer = new Pacer({ minBurstBytes: 3 * 1200, burstMs: 0, now: 0 });
  pacer.setRate(120_000, 0); // 1200 bytes per 10 ms
  let sent = 0;
  for (let i = 0; i < 100 && pacer.canSend(0); i++) {
    pacer.onSent(1200, 0);
    sent++;
  }
  // 3 datagrams of credit, plus one sent on a zero balance (the balance may dip one datagram)
  assert.equal(sent, 4);
  assert.equal(pacer.nextSendTime(0), 10);
  assert.equal(pacer.canSend(9.9), false);
  assert.equal(pacer.canSend(10), true);
  pacer.onSent(1200, 10);
  assert.equal(pacer.nextSendTime(10), 20);
});

Deno.test("pacer: average rate matches the configured rate", () => {
  const pacer = new Pacer({ minBurstBytes: 1200, burstMs: 0, now: 0 });
  pacer.setRate(200_000, 0);
  let now = 0;
  let bytes = 0;
  for (let i = 0; i < 10_000 && now < 10_000; i++) {
    if (pacer.canSend(now)) {
      pacer.onSent(1200, now);
      bytes += 1200;
    } else {
      const next = pacer.nextSendTime(now);
      assert.ok(next > now);
      now = next;
    }
  }
  const rate = (bytes * 1000) / now;
  assert.ok(Math.abs(rate - 200_000) < 2_000, `rate ${rate}`);
});

Deno.test("pacer: idle time refills only up to the burst allowance", () => {
  const pacer = new Pacer({ minBurstBytes: 1200, burstMs: 10, now: 0 });
  pacer.setRate(1_200_000, 0); // burst = 10 ms at 1.2 MB/s = 12 000 bytes
  assert.equal(pacer.burstBytes, 12_000);
  pacer.onSent(12_000, 0);
  let sent = 0;
  // after a long idle period only the burst is available, not 1 s worth
  for (let i = 0; i < 1000 && pacer.canSend(1000); i++) {
    pacer.onSent(1200, 1000);
    sent++;
  }
  assert.equal(sent, 11); // 12 000 bytes of credit: 10 datagrams + 1 on a zero balance
});

Deno.test("pacer: clock going backwards neither refills nor throws", () => {
  const pacer = new Pacer({ minBurstBytes: 1200, burstMs: 0, now: 100 });
  pacer.setRate(1200, 100);
  pacer.onSent(1200, 100);
  pacer.onSent(1200, 100);
  assert.equal(pacer.canSend(50), false);
  assert.equal(pacer.nextSendTime(100), 1100);
});

Deno.test("pacer: invalid settings throw MultiplayerError", () => {
  assert.throws(() => new Pacer({ minBurstBytes: 0 }), MultiplayerError);
  assert.throws(() => new Pacer({ burstMs: -1 }), /burstMs/);
  assert.throws(() => new Pacer().setRate(-5, 0), /rate/);
});
