import assert from "node:assert/strict";
import { referenceStream } from "./scenarios.ts";

const options = {
  warmupMs: 100,
  durationMs: 300,
  rounds: 1,
  crowdClients: 1,
  crowdMs: 1,
  transfers: 1,
};

Deno.test("reference stream delivers every message once and in order", async () => {
  const m = await referenceStream(options);
  assert.equal(m.error, undefined);
  assert.ok(m.values.rate > 0);
  assert.equal(m.values.received, m.values.sent);
});

Deno.test("reference stream resends what was lost and still delivers in order", async () => {
  const m = await referenceStream(options, { dropEvery: 97 });
  assert.equal(m.error, undefined);
  assert.ok(m.values.retransmits > 0, "lost datagrams were resent");
  assert.ok(m.values.reordered > 0, "datagrams behind a gap were held");
  assert.equal(m.values.received, m.values.sent);
});

Deno.test("reference stream, encrypted 1000 B messages: sealed, opened, resent, in order", async () => {
  const m = await referenceStream(options, {
    size: 1000,
    perDatagram: 1,
    encrypt: true,
    dropEvery: 97,
  });
  assert.equal(m.error, undefined);
  assert.ok(m.values.rate > 0);
  assert.ok(m.values.retransmits > 0, "lost datagrams were resent as sealed");
  assert.equal(m.values.received, m.values.sent);
});

Deno.test("reference stream behind a per-message API: every message once, in order, resent", async () => {
  const m = await referenceStream(options, { api: true, dropEvery: 97 });
  assert.equal(m.error, undefined);
  assert.ok(m.values.rate > 0);
  assert.ok(m.values.retransmits > 0, "lost datagrams were resent");
  assert.equal(m.values.received, m.values.sent);
});
