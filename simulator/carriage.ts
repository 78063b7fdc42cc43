// The projector carriage on its track: trapezoidal motion towards a target, hard end stops,
// two limit switches, the lift, and the motor current that the scan reads. Positions here
// are physical (0 = where the home switch trips); the firmware keeps its own, homed, idea.
import { SIM_LIMITS } from "./constants.ts";

export const CARRIAGE_CONSTANTS = {
  /** Hard mechanical stops beyond the switches, mm (switch overtravel). */
  stopLowMm: -5,
  stopHighMm: SIM_LIMITS.trackMm + 5,
  /** The home switch is made within this of 0, the end switch within this of trackMm, mm. */
  switchMakeMm: 1,
  /** No-load running current of a small geared DC motor, mA. */
  runningMa: 180,
  /** Current per mm/s (back-EMF, belt friction), mA·s/mm. */
  speedMaPerMmS: 6,
  /** Current per mm/s² while accelerating (carriage ≈ 3 kg through the gearbox), mA·s²/mm. */
  accelMaPerMmS2: 0.5,
  /** Holding current while standing, plus per lift level, mA. */
  holdMa: 40,
  holdPerLiftMa: 30,
  /** Rolling resistance against a 75 kg back pressing at full pressure factor and full lift, mA. */
  contactMa: 1000,
  /** Reference body weight for contactMa, kg. */
  contactRefKg: 75,
  /** Share of the contact load present with the lift retracted (the projector still touches). */
  contactAtLift0: 0.25,
  /** Stall current (jam or driving into a hard stop), mA: a small DC motor locked. */
  stallMa: 4200,
  /** Motor current noise, standard deviation mA (ADC + brush noise). */
  noiseMa: 15,
};

export type SwitchFault = "closed" | "open" | undefined;

export class Carriage {
  positionMm: number;
  speedMmS = 0;
  accelMmS2 = 0;
  /** Physical target and cruise speed; undefined = hold. */
  targetMm: number | undefined;
  cruiseMmS = 0;
  lift = 0;
  jammed = false;
  stalled = false;
  homeSwitchFault: SwitchFault;
  endSwitchFault: SwitchFault;

  constructor(initialMm: number) {
    this.positionMm = initialMm;
  }

  get homeSwitch(): boolean {
    if (this.homeSwitchFault) return this.homeSwitchFault === "closed";
    return this.positionMm <= CARRIAGE_CONSTANTS.switchMakeMm;
  }

  get endSwitch(): boolean {
    if (this.endSwitchFault) return this.endSwitchFault === "closed";
    return this.positionMm >= SIM_LIMITS.trackMm - CARRIAGE_CONSTANTS.switchMakeMm;
  }

  moveTo(targetMm: number, speedMmS: number): void {
    this.targetMm = targetMm;
    this.cruiseMmS = speedMmS;
  }

  halt(): void {
    // Firmware halt brakes the motor: the carriage stops within one step.
    this.targetMm = undefined;
    this.speedMmS = 0;
    this.accelMmS2 = 0;
  }

  get moving(): boolean {
    return this.speedMmS !== 0 || (this.targetMm !== undefined && Math.abs(this.targetMm - this.positionMm) > 0.05);
  }

  step(dtS: number): void {
    const k = CARRIAGE_CONSTANTS;
    const a = SIM_LIMITS.accelMmS2;
    this.stalled = false;
    if (this.targetMm === undefined) {
      this.accelMmS2 = 0;
      return;
    }
    if (this.jammed) {
      this.speedMmS = 0;
      this.accelMmS2 = 0;
      this.stalled = true;
      return;
    }
    const remaining = this.targetMm - this.positionMm;
    const v = this.speedMmS;
    if (Math.abs(remaining) < 0.5 && Math.abs(v) <= a * dtS) {
      // Close enough to stop within one step: arrive.
      this.positionMm = this.targetMm;
      this.speedMmS = 0;
      this.accelMmS2 = -v / dtS;
      this.targetMm = undefined;
      return;
    }
    const dir = Math.sign(remaining);
    // Trapezoid: cruise, and brake along v = sqrt(2·a·remaining) once the stopping distance is reached.
    let want = dir * this.cruiseMmS;
    const brakeMmS = Math.sqrt(2 * a * Math.abs(remaining));
    if (brakeMmS < this.cruiseMmS) want = dir * brakeMmS;
    const dv = Math.max(-a * dtS, Math.min(a * dtS, want - v));
    let nv = v + dv;
    let np = this.positionMm + ((v + nv) / 2) * dtS;
    if (Math.sign(this.targetMm - np) !== dir) {
      np = this.targetMm;
      nv = 0;
      this.targetMm = undefined;
    }
    if (np < k.stopLowMm || np > k.stopHighMm) {
      np = Math.min(k.stopHighMm, Math.max(k.stopLowMm, np));
      nv = 0;
      this.stalled = true;
    }
    this.positionMm = np;
    this.speedMmS = nv;
    this.accelMmS2 = (nv - v) / dtS;
  }

  /** Motor current without noise, mA. `pressure` is the back's pressure factor here (0–1), 0 with nobody. */
  motorMa(pressure: number, weightKg: number): number {
    const k = CARRIAGE_CONSTANTS;
    if (this.stalled) return k.stallMa;
    const liftShare = k.contactAtLift0 + ((1 - k.contactAtLift0) * this.lift) / SIM_LIMITS.liftMax;
    const hold = k.holdMa + k.holdPerLiftMa * this.lift;
    if (this.speedMmS === 0 && this.accelMmS2 === 0) return hold;
    return k.runningMa + k.speedMaPerMmS * Math.abs(this.speedMmS) + k.accelMaPerMmS2 * Math.abs(this.accelMmS2) + k.contactMa * pressure * (weightKg / k.contactRefKg) * liftShare;
  }
}
