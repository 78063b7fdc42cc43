// close() called while the link is handling an unplug (same tick, e.g. from a handler of the
// failed command): a closed link stays closed — no reconnect, no heartbeats.
import { expect, it } from "vitest";
import { Link } from "../../src/link/link.ts";
import { scriptedHarness } from "../helpers/linkHarness.ts";
import { settle } from "../helpers/virtualTime.ts";

it("a link closed during unplug handling stays closed", async () => {
  const h = scriptedHarness();
  const link = new Link({ transport: h.transport, clock: h.clock, random: h.random });
  await settle(h.clock, link.open());
  expect(h.opens()).toBe(1);
  void h.unplug();
  void link.close();
  await h.clock.advance(10_000);
  await h.clock.advance(10_000);
  console.log("state", link.state, "opens", h.opens(), "hbs", link.stats().heartbeatsSent);
  expect(link.state).toBe("closed");
  expect(h.opens()).toBe(1);
});

it("same, with close() called from the rejection handler of an in-flight command", async () => {
  const h = scriptedHarness();
  const link = new Link({ transport: h.transport, clock: h.clock, random: h.random });
  await settle(h.clock, link.open());
  h.bed.hold.add("INFO");
  const p = link.send("INFO", {}).catch(() => link.close());
  await h.clock.advance(2);
  void h.unplug();
  await p;
  await h.clock.advance(10_000);
  console.log("state", link.state, "opens", h.opens());
  expect(link.state).toBe("closed");
  expect(h.opens()).toBe(1);
});
