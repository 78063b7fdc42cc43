// End to end over a real pty pair (socat) with serialport on both ends, RealClock,
// including an unplug (socat killed) and replug (socat restarted on the same paths).
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { RealClock } from "../../protocols/clock.ts";
import { BedDriver, type LinkState } from "../../src/device/bed.ts";
import { ErrorCode, isBedlinkError } from "../../src/errors.ts";
import { serialTransport } from "../../src/transport/serial.ts";
import { ScriptedBed } from "../helpers/scriptedBed.ts";
import { PtyPair, socatAvailable } from "../helpers/socat.ts";

const HAVE_SOCAT = socatAvailable();

describe("socat is available for the pty end-to-end test", () => {
  it("is installed, or this is not CI (where a missing socat is a failure)", () => {
    if (!HAVE_SOCAT) console.warn("pty end-to-end test not run: socat is not installed (apt-get install socat)");
    expect(HAVE_SOCAT || process.env.CI !== "true").toBe(true);
  });
});

describe.runIf(HAVE_SOCAT)("bed over a real pty pair", () => {
  const dir = mkdtempSync(join(tmpdir(), "bedlink-pty-"));
  const pair = new PtyPair(join(dir, "bed"), join(dir, "controller"));
  const clock = new RealClock();
  afterAll(() => pair.stop());

  async function attachPeer(bed: ScriptedBed): Promise<void> {
    bed.attach(await serialTransport({ path: pair.pathA })());
  }

  it("handshake, commands and telemetry over the tty; unplug → down; replug → fresh handshake, commands work", async () => {
    await pair.start();
    const bed = new ScriptedBed({ clock, telemetry: true });
    await attachPeer(bed);
    const driver = await BedDriver.connect({ transport: serialTransport({ path: pair.pathB, baud: 115200 }), clock });
    const states: LinkState[] = [];
    driver.on("link", (s) => states.push(s));
    expect(driver.identity.serial).toBe(bed.identity.serial);
    expect(driver.stats().transport).toBe(`${pair.pathB} @ 115200`);

    await driver.setHeat("projector", 45);
    await driver.moveTo(300, 25);
    const t = await driver.waitForTelemetry(() => true, 1000);
    expect(t.state).toBe("idle");
    const firstSid = bed.sid;

    // Unplug: the pty pair disappears under both ends.
    await pair.stop();
    const downBy = Date.now() + 3000;
    while (driver.linkState === "up" && Date.now() < downBy) await new Promise((r) => setTimeout(r, 10));
    expect(driver.linkState).not.toBe("up");
    const err = await driver.setLift(2).catch((e: unknown) => e);
    expect(isBedlinkError(err, ErrorCode.LinkDown)).toBe(true);

    // Replug on the same paths; the driver finds it on its own.
    await new Promise((r) => setTimeout(r, 300));
    await pair.start();
    await attachPeer(bed);
    const upBy = Date.now() + 15_000;
    while (driver.linkState !== "up" && Date.now() < upBy) await new Promise((r) => setTimeout(r, 20));
    expect(driver.linkState).toBe("up");
    expect(bed.sid).not.toBe(firstSid);
    await driver.setLift(2);
    expect(bed.applied.map((a) => a.type)).toEqual(["HEAT", "MOVE", "LIFT"]);
    expect(states[0]).toBe("down");
    expect(states.at(-1)).toBe("up");
    const st = driver.stats();
    expect(st.reconnects).toBe(1);
    expect(st.crcErrors).toBe(0);
    console.log(`pty e2e: rtt median ${st.rtt.medianMs} ms, p99 ${st.rtt.p99Ms} ms over ${st.rtt.samples} samples; bytes out ${st.bytesOut}, in ${st.bytesIn}`);
    await driver.close();
    expect(bed.applied.at(-1)?.type).toBe("SAFE");
  });
});
