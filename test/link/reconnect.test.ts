import { describe, expect, it } from "vitest";
import { ErrorCode, isBedlinkError } from "../../src/errors.ts";
import { Link, type LinkState } from "../../src/link/link.ts";
import { scriptedHarness } from "../helpers/linkHarness.ts";
import { settle, settleError } from "../helpers/virtualTime.ts";

async function upLink() {
  const h = scriptedHarness();
  const link = new Link({ transport: h.transport, clock: h.clock, random: h.random });
  const states: LinkState[] = [];
  link.on("state", (s) => states.push(s));
  await settle(h.clock, link.open());
  return { h, link, states };
}

function hellos(h: ReturnType<typeof scriptedHarness>) {
  return h.bed.received.filter((f) => f.type === "HELLO").map((f) => ({ seq: f.seq, sid: (f.body as { sid: string }).sid }));
}

describe("unplug and replug", () => {
  it("cable pulled → down, commands refused with LinkDown; replugged 2 s later → backoff reconnect, fresh handshake, commands work", async () => {
    const { h, link, states } = await upLink();
    await settle(h.clock, link.send("MOVE", { positionMm: 100, speedMmS: 20 }));
    const firstSid = h.bed.sid;

    h.unavailable = true;
    await h.unplug();
    await h.clock.advance(1);
    expect(link.state).toBe("down");
    const err = await settleError(h.clock, link.send("HEAT", { zone: "mat", targetC: 40 }), 1);
    expect(isBedlinkError(err, ErrorCode.LinkDown)).toBe(true);

    // Attempts at 250, 500, 1000 ms after each other fail while unplugged.
    await h.clock.advance(2000);
    expect(h.opens()).toBe(1);
    h.unavailable = false;
    await h.clock.advanceUntil(() => link.state === "up", 10_000);
    expect(link.state).toBe("up");
    expect(h.opens()).toBe(2);

    const [first, second] = hellos(h);
    expect(second!.sid).not.toBe(first!.sid);
    expect(h.bed.sid).not.toBe(firstSid);
    await settle(h.clock, link.send("MOVE", { positionMm: 200, speedMmS: 20 }));
    expect(h.bed.applied.filter((a) => a.type === "MOVE").map((a) => a.body.positionMm)).toEqual([100, 200]);
    expect(link.stats()).toMatchObject({ reconnects: 1, handshakes: 2 });
    expect(states).toEqual(expect.arrayContaining(["up", "down", "connecting", "handshaking"]));
    expect(states.at(-1)).toBe("up");
    await link.close();
  });

  it("commands in flight when the cable goes → each rejected with LinkDown, none left hanging", async () => {
    const { h, link } = await upLink();
    h.bed.hold.add("MOVE");
    h.bed.hold.add("INFO");
    const move = link.send("MOVE", { positionMm: 100, speedMmS: 20 });
    const info = link.send("INFO", {});
    for (const p of [move, info]) p.catch(() => undefined); // asserted below
    await h.clock.advance(2);
    await h.unplug();
    expect(isBedlinkError(await settleError(h.clock, move, 10), ErrorCode.LinkDown)).toBe(true);
    expect(isBedlinkError(await settleError(h.clock, info, 10), ErrorCode.LinkDown)).toBe(true);
    await link.close();
  });

  it("reconnect backoff doubles 250 → 5000 ms and stays there", async () => {
    const { h, link } = await upLink();
    h.unavailable = true;
    const attemptsAt: number[] = [];
    link.on("state", (s) => s === "connecting" && attemptsAt.push(h.clock.now()));
    const t0 = h.clock.now();
    await h.unplug();
    await h.clock.advance(30_000);
    const gaps = attemptsAt.map((t, i) => Math.round(t - (i === 0 ? t0 : attemptsAt[i - 1]!)));
    expect(gaps.slice(0, 7)).toEqual([250, 500, 1000, 2000, 4000, 5000, 5000]);
    await link.close();
  });

  it("closed by the controller → no reconnect attempts afterwards", async () => {
    const { h, link } = await upLink();
    await link.close();
    await h.clock.advance(20_000);
    expect(h.opens()).toBe(1);
    expect(link.state).toBe("closed");
  });

  it("device goes silent with the port still open (bridge up, bed off) → link declared down after 3 leases, then reconnects", async () => {
    const { h, link } = await upLink();
    h.bed.deaf = true;
    const t0 = h.clock.now();
    await h.clock.advanceUntil(() => link.state === "down", 10_000);
    expect(link.state).toBe("down");
    // The bed's own W_LEASE_EXPIRED (at 1 s, retried for 1.2 s) is the last it says; 3 s of silence after that.
    expect(h.clock.now() - t0).toBeLessThan(1000 + 1200 + 3000 + 300);
    h.bed.deaf = false;
    await h.clock.advanceUntil(() => link.state === "up", 10_000);
    expect(link.state).toBe("up");
    await link.close();
  });
});

describe("device reboot under a live link", () => {
  it("bed reboots (boot telemetry, I_BOOT) → host handshakes again with a fresh session; commands work", async () => {
    const { h, link } = await upLink();
    const boots: string[] = [];
    link.on("event", (e) => boots.push(e.code));
    h.bed.reboot();
    await h.clock.advanceUntil(() => link.stats().handshakes === 2, 5000);
    expect(boots).toEqual(["I_BOOT"]);
    expect(link.stats().deviceReboots).toBe(1);
    expect(hellos(h)).toHaveLength(2);
    await settle(h.clock, link.send("LIFT", { level: 2 }));
    // Our ACK reached the bed, so I_BOOT is not retransmitted into another re-handshake.
    await h.clock.advance(3000);
    expect(link.stats().handshakes).toBe(2);
    await link.close();
  });

  it("bed reboots and its I_BOOT is lost → first command gets NAK E_NO_HANDSHAKE, host re-handshakes, next command works", async () => {
    const { h, link } = await upLink();
    h.bed.reboot({ announce: false });
    const err = await settleError(h.clock, link.send("LIFT", { level: 2 }));
    expect(isBedlinkError(err, ErrorCode.CommandRejected)).toBe(true);
    await h.clock.advanceUntil(() => link.state === "up" && link.stats().handshakes === 2, 5000);
    await settle(h.clock, link.send("LIFT", { level: 2 }));
    expect(h.bed.applied.filter((a) => a.type === "LIFT")).toHaveLength(1);
    await link.close();
  });

  it("bed reboots silently but its telemetry says `boot` → host handshakes again", async () => {
    const h = scriptedHarness({ bed: { telemetry: true } });
    const link = new Link({ transport: h.transport, clock: h.clock, random: h.random });
    await settle(h.clock, link.open());
    await h.clock.advance(300); // running telemetry seen
    h.bed.reboot({ announce: false });
    await h.clock.advanceUntil(() => link.stats().handshakes === 2, 2000);
    expect(link.stats()).toMatchObject({ deviceReboots: 1, handshakes: 2, state: "up" });
    // Once handshaken the bed reports idle again: no further re-handshakes.
    await h.clock.advance(2000);
    expect(link.stats().handshakes).toBe(2);
    await link.close();
  });
});
