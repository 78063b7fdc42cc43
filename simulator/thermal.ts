// One heat zone (projector or mat): a lumped thermal mass heated by a power-limited heater,
// losing heat to the room and to a person lying on it; the skin-side temperature under the
// cover; a lagged sensor. Constants and their sources: simulator/PHYSICS.md.
import type { Zone } from "../protocols/constants.ts";

export interface ZoneConstants {
  /** Heater power at 100 % duty, W. */
  heaterW: number;
  /** Heat capacity of element + carrier, J/K. */
  capacityJK: number;
  /** Conductance element → room, W/K. */
  lossWK: number;
  /** Extra conductance element → a person lying on it, W/K. */
  personWK: number;
  /** Fraction of the element-to-skin difference that passes the cover at equilibrium. */
  coverFactor: number;
  /** Skin-under-cover equilibration time constant while the contact stays on one spot, s. */
  skinTauS: number;
  /** Length of skin in contact along the track, mm (moving on brings fresh, cool skin). 0: zone doesn't move. */
  contactMm: number;
  /** Sensor lag (thermistor in its pocket), s. */
  sensorTauS: number;
  /** Sensor noise, standard deviation °C. */
  sensorNoiseC: number;
}

/** Room temperature in a showroom, °C. */
export const AMBIENT_C = 22;
/** Skin surface temperature on the back, lying clothed (thermal physiology texts: 32–34 °C). */
export const SKIN_BASE_C = 33;

export const ZONE_CONSTANTS: Record<Zone, ZoneConstants> = {
  // Three jade/ceramic spheres ≈ 0.7 kg at ≈ 0.85 J/gK; 60 W cartridge; τ = C/G = 1000 s.
  projector: { heaterW: 60, capacityJK: 600, lossWK: 0.6, personWK: 0.25, coverFactor: 0.55, skinTauS: 8, contactMm: 60, sensorTauS: 2, sensorNoiseC: 0.15 },
  // Carbon-film mat under legs/abdomen ≈ 3 kJ/K with its foam; 200 W; τ = 1200 s.
  mat: { heaterW: 200, capacityJK: 3000, lossWK: 2.5, personWK: 1.5, coverFactor: 0.5, skinTauS: 60, contactMm: 0, sensorTauS: 3, sensorNoiseC: 0.1 },
};

export class ThermalZone {
  elementC = AMBIENT_C;
  /** What the thermistor sees (lagged element temperature), before noise and sensor faults. */
  sensorC = AMBIENT_C;
  skinC = AMBIENT_C;
  /** Heater power actually delivered last step, W (truth: differs from duty under faults). */
  heaterPowerW = 0;

  constructor(
    readonly zone: Zone,
    readonly k: ZoneConstants = ZONE_CONSTANTS[zone],
  ) {}

  /**
   * Advances dtS seconds with the heater at `dutyFraction` (0–1) of its power.
   * `occupied` adds the person's heat draw; `speedMmS` is how fast the contact moves over the skin.
   */
  step(dtS: number, dutyFraction: number, occupied: boolean, speedMmS: number): void {
    const k = this.k;
    this.heaterPowerW = k.heaterW * Math.min(1, Math.max(0, dutyFraction));
    const lossW = k.lossWK * (this.elementC - AMBIENT_C) + (occupied ? k.personWK * (this.elementC - SKIN_BASE_C) : 0);
    this.elementC += ((this.heaterPowerW - lossW) * dtS) / k.capacityJK;
    this.sensorC += ((this.elementC - this.sensorC) * dtS) / Math.max(dtS, k.sensorTauS);

    // Skin side: relaxes towards the cover's equilibrium while the contact dwells; motion
    // replaces warmed skin with fresh skin at rate speed / contact length.
    const baseC = occupied ? SKIN_BASE_C : AMBIENT_C;
    const eqC = baseC + (this.elementC - baseC) * k.coverFactor;
    const freshRate = k.contactMm > 0 ? Math.abs(speedMmS) / k.contactMm : 0;
    this.skinC += ((eqC - this.skinC) / k.skinTauS - freshRate * (this.skinC - baseC)) * dtS;
  }
}
