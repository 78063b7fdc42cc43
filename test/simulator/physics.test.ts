// Physics sanity: the time constants and figures documented in simulator/PHYSICS.md hold.
import { describe, expect, it } from "vitest";
import { Carriage } from "../../simulator/carriage.ts";
import { layOutSpine, pressureAt, pressureProfile } from "../../simulator/person.ts";
import { AMBIENT_C, ThermalZone } from "../../simulator/thermal.ts";
import { rig } from "./harness.ts";

describe("thermal model, from cold", () => {
  it("projector driven to 65 °C with nobody on the bed reaches 45 °C in 4–5 min and 64.5 °C in 8.5–11 min", async () => {
    const { clock, bed, host } = await rig({ person: null });
    await host.command("HEAT", { zone: "projector", targetC: 65 });
    const t0 = clock.now();
    await host.waitFor(() => bed.truth.zones.projector.elementC >= 45, 3_600_000);
    const to45S = (clock.now() - t0) / 1000;
    await host.waitFor(() => bed.truth.zones.projector.elementC >= 64.5, 3_600_000);
    const to65S = (clock.now() - t0) / 1000;
    expect(to45S).toBeGreaterThan(240);
    expect(to45S).toBeLessThan(300);
    expect(to65S).toBeGreaterThan(510);
    expect(to65S).toBeLessThan(660);
    // And it holds there without overshooting past the firmware's 65 °C limit by more than half a kelvin.
    await host.waitFor(() => false, 600_000);
    expect(bed.truth.zones.projector.elementC).toBeGreaterThan(64.5);
    expect(bed.truth.zones.projector.elementC).toBeLessThan(65.5);
    bed.stop();
  });

  it("mat driven to 60 °C with a person on it reaches 45 °C in 6–8 min and 59.5 °C within 16 min", async () => {
    const { clock, bed, host } = await rig({ person: { heightCm: 170, weightKg: 72 } });
    await host.command("HEAT", { zone: "mat", targetC: 60 });
    const t0 = clock.now();
    await host.waitFor(() => bed.truth.zones.mat.elementC >= 45, 3_600_000);
    expect((clock.now() - t0) / 1000).toBeGreaterThan(360);
    expect((clock.now() - t0) / 1000).toBeLessThan(480);
    await host.waitFor(() => bed.truth.zones.mat.elementC >= 59.5, 3_600_000);
    expect((clock.now() - t0) / 1000).toBeLessThan(960);
    bed.stop();
  });

  it("a projector at 65 °C with the heater off cools 2–4 K in the first minute and reaches 45 °C in 8–12 min", () => {
    const zone = new ThermalZone("projector");
    zone.elementC = 65;
    zone.sensorC = 65;
    for (let i = 0; i < 3000; i++) zone.step(0.02, 0, false, 0);
    const firstMinuteK = 65 - zone.elementC;
    expect(firstMinuteK).toBeGreaterThan(2);
    expect(firstMinuteK).toBeLessThan(4);
    let s = 60;
    while (zone.elementC > 45 && s < 3600) {
      zone.step(1, 0, false, 0);
      s++;
    }
    expect(s).toBeGreaterThan(480);
    expect(s).toBeLessThan(720);
  });

  it("a person lying on a warm mat draws heat: it cools faster than an empty one", () => {
    const empty = new ThermalZone("mat");
    const occupied = new ThermalZone("mat");
    empty.elementC = occupied.elementC = 55;
    for (let i = 0; i < 600; i++) {
      empty.step(1, 0, false, 0);
      occupied.step(1, 0, true, 0);
    }
    expect(occupied.elementC).toBeLessThan(empty.elementC - 1);
  });

  it("skin under a projector held on one spot runs hotter than under one sweeping at 20 mm/s", () => {
    const still = new ThermalZone("projector");
    const sweeping = new ThermalZone("projector");
    for (const z of [still, sweeping]) z.elementC = z.sensorC = 60;
    for (let i = 0; i < 3000; i++) {
      still.elementC = sweeping.elementC = 60;
      still.step(0.1, 0.5, true, 0);
      sweeping.step(0.1, 0.5, true, 20);
    }
    // Cover factor 0.55 from 33 °C skin: stationary equilibrium ≈ 33 + 27 × 0.55 ≈ 47.9 °C.
    expect(still.skinC).toBeGreaterThan(47);
    expect(still.skinC).toBeLessThan(49);
    expect(sweeping.skinC).toBeLessThan(40);
    expect(sweeping.skinC).toBeGreaterThan(34);
  });

  it("the sensor lags the element by about its 2 s time constant and reads noise of ~0.15 °C", async () => {
    const { bed, host } = await rig({ person: null });
    const tlm = host.telemetry().map((t) => t.projectorC);
    const mean = tlm.reduce((a, b) => a + b, 0) / tlm.length;
    const sd = Math.sqrt(tlm.reduce((a, b) => a + (b - mean) ** 2, 0) / tlm.length);
    expect(mean).toBeCloseTo(AMBIENT_C, 0);
    expect(sd).toBeGreaterThan(0.05);
    expect(sd).toBeLessThan(0.3);
    bed.stop();
  });
});

describe("carriage", () => {
  it("accelerates at 200 mm/s², cruises at the commanded speed and stops on target", () => {
    const c = new Carriage(0);
    c.moveTo(300, 50);
    c.step(0.1);
    expect(c.speedMmS).toBeCloseTo(20, 5); // 0.1 s × 200 mm/s²
    for (let i = 0; i < 20; i++) c.step(0.02);
    expect(c.speedMmS).toBe(50);
    for (let i = 0; i < 1000 && c.moving; i++) c.step(0.02);
    expect(c.positionMm).toBe(300);
    expect(c.speedMmS).toBe(0);
  });

  it("motor current rises with the back's pressure, the body weight and the lift", () => {
    const c = new Carriage(0);
    c.moveTo(700, 20);
    for (let i = 0; i < 20; i++) c.step(0.02);
    const free = c.motorMa(0, 0);
    const light = c.motorMa(1, 60);
    const heavy = c.motorMa(1, 120);
    c.lift = 6;
    const heavyLifted = c.motorMa(1, 120);
    expect(free).toBeGreaterThan(250);
    expect(light).toBeGreaterThan(free);
    expect(heavy).toBeGreaterThan(light);
    expect(heavyLifted).toBeGreaterThan(heavy);
    // A 136 kg person at full lift on the thoracic curve stays below the 3000 mA trip.
    expect(c.motorMa(1, 136)).toBeLessThan(3000);
  });

  it("driving into the mechanical end stop stalls the motor", () => {
    const c = new Carriage(770);
    c.moveTo(900, 30);
    for (let i = 0; i < 100; i++) c.step(0.02);
    expect(c.positionMm).toBe(785);
    expect(c.stalled).toBe(true);
    expect(c.motorMa(0, 0)).toBeGreaterThan(3000);
    expect(c.endSwitch).toBe(true);
  });
});

describe("person", () => {
  it("spine length is 0.4 × height clamped to 61–71 cm, with regions 18/39/25/18 %", () => {
    expect(layOutSpine({ heightCm: 140, weightKg: 50 }, 0).lengthMm).toBe(610);
    expect(layOutSpine({ heightCm: 165, weightKg: 60 }, 0).lengthMm).toBe(660);
    expect(layOutSpine({ heightCm: 195, weightKg: 90 }, 0).lengthMm).toBe(710);
    const s = layOutSpine({ heightCm: 165, weightKg: 60 }, 0.5);
    expect(s.regions.cervical.endMm - s.regions.cervical.startMm).toBeCloseTo(0.18 * 660, 6);
    expect(s.regions.thoracic.endMm - s.regions.thoracic.startMm).toBeCloseTo(0.39 * 660, 6);
    expect(s.regions.sacral.endMm).toBeCloseTo(s.endMm, 6);
  });

  it("presses lightly on the lordotic curves and hard on the kyphotic ones", () => {
    const s = layOutSpine({ heightCm: 170, weightKg: 70 }, 0);
    const prof = pressureProfile(s);
    const mid = (r: keyof typeof s.regions) => pressureAt(prof, (s.regions[r].startMm + s.regions[r].endMm) / 2);
    expect(pressureAt(prof, s.startMm - 20)).toBeCloseTo(0, 5);
    expect(mid("thoracic")).toBeGreaterThan(mid("cervical"));
    expect(mid("thoracic")).toBeGreaterThan(mid("lumbar"));
    expect(mid("sacral")).toBeGreaterThan(mid("lumbar"));
  });
});
