// The simulated firmware's own latches hold: the cut-out stays latched through an ESTOP or a
// reboot until the element cools, a RESET queued before an ESTOP cannot undo it, and fault
// specs name only real fault kinds.
import { describe, expect, it } from "vitest";
import { VirtualClock } from "../../protocols/clock.ts";
import { encodeFrame } from "../../protocols/codec.ts";
import { parseFaultSpec, parseOneFault, SimulatedBed } from "../../simulator/index.ts";
import { createLoopback } from "../../simulator/loopback.ts";
import { rig, WireHost } from "./harness.ts";

describe("fault lifecycle", () => {
  it("clearFault cancels a time-triggered fault that has not fired yet", async () => {
    const { bed, clock } = await rig();
    bed.injectFault(parseFaultSpec("heater-dead:projector@60s")[0]!);
    await clock.advance(10_000);
    bed.clearFault("heater-dead");
    await clock.advance(60_000);
    expect(bed.truth.activeFaults.map((f) => f.kind)).not.toContain("heater-dead");
    bed.stop();
  });


  it("'constructor' is not a fault kind", () => {
    expect(() => parseFaultSpec("constructor")).toThrow(/unknown kind/);
  });
});

describe("cut-out relay after a power cycle", () => {
  it("after a cut-out and a reboot (element cooled), HEAT heats again or the bed says why", async () => {
    const { bed, host, clock } = await rig({ person: null });
    bed.injectFault(parseOneFault("heater-stuck-on:projector"));
    await host.waitFor(() => host.events("E_CUTOUT").length > 0, 20 * 60_000);
    expect(host.events("E_CUTOUT").length).toBe(1);
    bed.clearFault("heater-stuck-on"); // MOSFET replaced
    // Let it cool well below the release margin, then power-cycle the bed.
    await host.waitFor(() => bed.truth.zones.projector.elementC < 40, 60 * 60_000);
    bed.injectFault(parseOneFault("reboot"));
    host.stopHeartbeat();
    await host.waitFor(() => host.events("I_HOMED").length > 1, 30_000);
    expect((await host.hello("11111111")).type).toBe("ACK");
    host.startHeartbeat();
    // RESET for good measure: the bed is idle, so this should be a no-op.
    expect((await host.command("RESET", {})).type).toBe("ACK");
    const r = await host.command("HEAT", { zone: "projector", targetC: 50 });
    expect(r.type).toBe("ACK");
    const startC = bed.truth.zones.projector.elementC;
    await host.waitFor(() => false, 120_000);
    // Either the heater works again, or the bed told the host it cannot heat.
    const heated = bed.truth.zones.projector.elementC > startC + 5;
    const told = host.telemetry(clock.now() - 1000).some((t) => t.state === "cutout");
    console.log("reboot probe", JSON.stringify({ heated, told, relayOpen: bed.plant.relayOpen, tlm: host.lastTelemetry() }));
    expect({ heated, told, relayOpen: bed.plant.relayOpen }).toMatchObject({ heated: true });
    bed.stop();
  });
});

describe("ESTOP precedence", () => {
  it("a RESET queued before an ESTOP does not un-latch the ESTOP", async () => {
    const { bed, host } = await rig();
    expect((await host.command("HEAT", { zone: "projector", targetC: 50 })).type).toBe("ACK");
    // RESET and ESTOP back to back (one write): ESTOP is acted on in the receive path,
    // the RESET that arrived first is still in the 2 ms command queue.
    const rs = host.seq;
    const es = rs + 1;
    host.seq = es + 1;
    host.sendRaw(encodeFrame({ type: "RESET", seq: rs, body: {} }) + encodeFrame({ type: "ESTOP", seq: es, body: {} }));
    await host.reply(rs);
    await host.waitFor(() => false, 200);
    expect(bed.truth.state).toBe("estop");
    bed.stop();
  });
});

describe("cut-out latch bypassed by ESTOP + RESET", () => {
  it("ESTOP during a cut-out, then RESET while the element is still hot, must not leave the bed idle with the relay silently open", async () => {
    const { bed, host } = await rig({ person: null });
    bed.injectFault(parseOneFault("heater-stuck-on:projector"));
    await host.waitFor(() => host.events("E_CUTOUT").length > 0, 20 * 60_000);
    bed.clearFault("heater-stuck-on");
    expect((await host.command("RESET", {})).body).toMatchObject({ code: "E_CUTOUT_LATCHED" }); // too hot: refused
    expect((await host.command("ESTOP", {})).type).toBe("ACK");
    const r = await host.command("RESET", {});
    const hot = bed.truth.zones.projector.elementC;
    // Either RESET is refused (element still above 60 °C), or the bed is fully usable afterwards.
    const heat = await host.command("HEAT", { zone: "projector", targetC: 50 });
    console.log("ESTOP+RESET probe", JSON.stringify({ reset: r.type, hotC: Math.round(hot), state: bed.truth.state, heat: heat.type, relayOpen: bed.plant.relayOpen }));
    expect({ reset: r.type, hotC: Math.round(hot), state: bed.truth.state, heat: heat.type, relayOpen: bed.plant.relayOpen }).toMatchObject({ reset: "NAK" });
    bed.stop();
  });
});
