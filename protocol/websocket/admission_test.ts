import assert from "node:assert/strict";
import { Admission } from "./admission.ts";
import { MultiplayerError } from "../errors.ts";

Deno.test("admission: per-address socket cap, pending cap and global cap", () => {
  const a = new Admission({
    maxSockets: 5,
    maxSocketsPerAddress: 3,
    maxPendingUpgradesPerAddress: 2,
    connectBurst: 100,
  });
  assert.equal(a.admit("h1", 0), undefined);
  assert.equal(a.admit("h1", 0), undefined);
  assert.equal(a.admit("h1", 0), "pendingPerAddress");
  a.upgraded("h1");
  assert.equal(a.admit("h1", 0), undefined);
  assert.equal(a.admit("h1", 0), "perAddress");
  assert.equal([a.sockets, a.pending, a.socketsOf("h1")].join(), "3,2,3");
  assert.equal(a.admit("h2", 0), undefined);
  assert.equal(a.admit("h3", 0), undefined);
  assert.equal(a.admit("h4", 0), "full");
  assert.equal(a.addresses, 3);
  // releases free the slots and forget empty hosts
  a.release("h2", true);
  a.release("h3", true);
  assert.equal(a.addresses, 1);
  a.release("h1", false); // the upgraded one
  assert.equal([a.sockets, a.pending, a.socketsOf("h1")].join(), "2,2,2");
  a.release("h1", true);
  a.release("h1", true);
  assert.equal([a.sockets, a.pending, a.addresses].join(), "0,0,0");
  // stray calls for unknown hosts change nothing
  a.release("nobody", true);
  a.upgraded("nobody");
  assert.equal(a.sockets, 0);
});

Deno.test("admission: connect rate per address, spent even by refused attempts", () => {
  const a = new Admission({ connectsPerSecond: 10, connectBurst: 3, maxSocketsPerAddress: 1 });
  assert.equal(a.admit("h", 0), undefined);
  assert.equal(a.admit("h", 0), "perAddress");
  assert.equal(a.admit("h", 0), "perAddress");
  assert.equal(a.admit("h", 0), "rate");
  a.release("h", true);
  assert.equal(a.admit("h", 50), "rate"); // half a token back
  assert.equal(a.admit("h", 150), undefined); // a whole one
  assert.equal(a.admit("other", 150), undefined); // other hosts have their own bucket
});

Deno.test("admission: invalid limits throw", () => {
  for (
    const limits of [{ maxSockets: 0 }, { maxSocketsPerAddress: 1.5 }, {
      maxPendingUpgradesPerAddress: -1,
    }, { connectsPerSecond: 0 }]
  ) {
    assert.throws(() => new Admission(limits), MultiplayerError);
  }
});
