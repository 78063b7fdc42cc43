// The physical bed: heat zones, carriage, lift, load sensor and the person, advanced in
// fixed steps on demand. It knows physics and hardware faults, nothing of the protocol.
import { ZONES, type Zone } from "../protocols/constants.ts";
import { Carriage, CARRIAGE_CONSTANTS } from "./carriage.ts";
import { layOutSpine, pressureAt, pressureProfile, type PersonSpec, type PressureProfile, type SpineTruth } from "./person.ts";
import { Prng } from "./prng.ts";
import { ThermalZone } from "./thermal.ts";

export type HeaterFault = "stuck-on" | "dead" | undefined;
export type SensorFault = "open" | "short" | undefined;

/** What an open and a shorted NTC read after the ADC clamps, °C (the wire's temperature range). */
export const SENSOR_OPEN_READS_C = -55;
export const SENSOR_SHORT_READS_C = 250;
/** Getting on or off the bed takes about this long on the load cells, ms. */
export const LOAD_RAMP_MS = 1500;
/** Load-cell noise, standard deviation kg. */
export const LOAD_NOISE_KG = 0.3;

export class Plant {
  readonly zones: Record<Zone, ThermalZone> = { projector: new ThermalZone("projector"), mat: new ThermalZone("mat") };
  readonly carriage: Carriage;
  /** Heater duty the firmware drives, 0–100. */
  readonly duty: Record<Zone, number> = { projector: 0, mat: 0 };
  /** The cut-out relay in the heater supply: open removes power from both heaters, stuck MOSFET or not. */
  relayOpen = false;
  /**
   * The firmware's power-cut relay in series with each heater switch (true = commanded open), the
   * second way to switch a heater off when its MOSFET has failed short.
   */
  readonly powerCut: Record<Zone, boolean> = { projector: false, mat: false };
  /** Contacts welded shut (fault relay-welded): opening the power cut no longer removes power. */
  readonly cutWelded: Record<Zone, boolean> = { projector: false, mat: false };
  readonly heaterFault: Record<Zone, HeaterFault> = { projector: undefined, mat: undefined };
  readonly sensorFault: Record<Zone, SensorFault> = { projector: undefined, mat: undefined };
  person: PersonSpec | null = null;
  spine: SpineTruth | null = null;
  private profile: PressureProfile | null = null;
  /** What the load cells carry now, kg (ramps when someone gets on or off). */
  loadKg = 0;
  private loadTargetKg = 0;
  private readonly noise: Prng;
  private readonly layout: Prng;

  constructor(rng: Prng, person: PersonSpec | null) {
    this.noise = rng.fork(1);
    this.layout = rng.fork(2);
    // The carriage stands wherever it was left; homing finds out where.
    this.carriage = new Carriage(100 + rng.fork(3).next() * 500);
    if (person) {
      this.personGetsOn(person);
      this.loadKg = this.loadTargetKg;
    }
  }

  personGetsOn(p: PersonSpec): void {
    this.person = { ...p };
    this.spine = layOutSpine(p, this.layout.next());
    this.profile = pressureProfile(this.spine);
    this.loadTargetKg = p.weightKg;
  }

  personGetsOff(): void {
    this.loadTargetKg = 0;
  }

  /** The person counts for heat draw and pressure once most of their weight is on the bed. */
  get occupied(): boolean {
    return this.person !== null && this.loadKg > this.person.weightKg / 2;
  }

  step(dtMs: number): void {
    const dtS = dtMs / 1000;
    const occupied = this.occupied;
    for (const zone of ZONES) {
      const f = this.heaterFault[zone];
      let duty = f === "stuck-on" ? 100 : f === "dead" ? 0 : this.duty[zone];
      if (!this.heaterSupplied(zone)) duty = 0;
      this.zones[zone].step(dtS, duty / 100, occupied, zone === "projector" ? this.carriage.speedMmS : 0);
    }
    this.carriage.step(dtS);
    const rampKg = ((this.person?.weightKg ?? 100) * dtMs) / LOAD_RAMP_MS;
    if (this.loadKg < this.loadTargetKg) this.loadKg = Math.min(this.loadTargetKg, this.loadKg + rampKg);
    else if (this.loadKg > this.loadTargetKg) this.loadKg = Math.max(this.loadTargetKg, this.loadKg - rampKg);
    if (this.loadTargetKg === 0 && this.loadKg === 0 && this.person) {
      this.person = null;
      this.spine = null;
      this.profile = null;
    }
  }

  /** Whether the zone's heater switch has supply: the cut-out relay closed and the power cut closed (or welded). */
  heaterSupplied(zone: Zone): boolean {
    return !this.relayOpen && !(this.powerCut[zone] && !this.cutWelded[zone]);
  }

  pressureHere(): number {
    return this.profile && this.occupied ? pressureAt(this.profile, this.carriage.positionMm) : 0;
  }

  /** Motor current without noise, mA. */
  motorMaTrue(): number {
    const c = this.carriage;
    // Standing still the back's pressure doesn't load the motor: skip the profile lookup.
    const pressure = c.speedMmS === 0 && c.accelMmS2 === 0 ? 0 : this.pressureHere();
    return c.motorMa(pressure, this.person?.weightKg ?? 0);
  }

  /** What the firmware's ADC reads for a zone's sensor (noise optional: safety checks use the filtered value). */
  sensorReadC(zone: Zone, withNoise: boolean): number {
    const f = this.sensorFault[zone];
    if (f === "open") return SENSOR_OPEN_READS_C;
    if (f === "short") return SENSOR_SHORT_READS_C;
    const z = this.zones[zone];
    return withNoise ? z.sensorC + this.noise.gauss(z.k.sensorNoiseC) : z.sensorC;
  }

  motorMaRead(): number {
    return Math.max(0, this.motorMaTrue() + this.noise.gauss(CARRIAGE_CONSTANTS.noiseMa));
  }

  loadRead(): number {
    return this.loadKg + this.noise.gauss(LOAD_NOISE_KG);
  }
}
