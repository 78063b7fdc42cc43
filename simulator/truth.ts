// Ground truth for tests and fault conditions: what the bed really is, next to what its
// sensors and firmware say.
import type { DeviceState, Zone } from "../protocols/constants.ts";
import type { ConditionField, FaultSpec } from "./faults.ts";
import type { Firmware } from "./firmware.ts";
import type { PersonSpec, SpineTruth } from "./person.ts";
import type { Plant } from "./plant.ts";

export interface ZoneTruth {
  elementC: number;
  skinC: number;
  sensorC: number;
  setC: number;
  duty: number;
  heaterPowerW: number;
  /** The firmware has the zone's power cut open; with `cutWelded` it removes no power. */
  powerCut: boolean;
  cutWelded: boolean;
}

export interface SimTruth {
  tMs: number;
  powered: boolean;
  state: DeviceState;
  zones: Record<Zone, ZoneTruth>;
  /** Physical carriage position (0 = home switch), mm, and the firmware's homed idea of it. */
  positionMm: number;
  firmwarePositionMm: number;
  speedMmS: number;
  homed: boolean;
  lift: number;
  motorMa: number;
  loadKg: number;
  occupied: boolean;
  person: PersonSpec | null;
  spine: SpineTruth | null;
  activeFaults: readonly FaultSpec[];
}

export function buildTruth(p: Plant, fw: Firmware, tMs: number, activeFaults: readonly FaultSpec[]): SimTruth {
  const zone = (z: Zone): ZoneTruth => ({
    elementC: p.zones[z].elementC,
    skinC: p.zones[z].skinC,
    sensorC: p.sensorReadC(z, false),
    setC: fw.zones[z].setC,
    duty: fw.zones[z].duty,
    heaterPowerW: p.zones[z].heaterPowerW,
    powerCut: p.powerCut[z],
    cutWelded: p.cutWelded[z],
  });
  return {
    tMs,
    powered: fw.powered,
    state: fw.state,
    zones: { projector: zone("projector"), mat: zone("mat") },
    positionMm: p.carriage.positionMm,
    firmwarePositionMm: fw.positionMm(),
    speedMmS: p.carriage.speedMmS,
    homed: fw.homed,
    lift: p.carriage.lift,
    motorMa: p.motorMaTrue(),
    loadKg: p.loadKg,
    occupied: p.occupied,
    person: p.person ? { ...p.person } : null,
    spine: p.spine,
    activeFaults: [...activeFaults],
  };
}

/** The value a fault condition tests. */
export function conditionValue(p: Plant, fw: Firmware, field: ConditionField): number | string {
  switch (field) {
    case "projectorC":
      return p.zones.projector.elementC;
    case "matC":
      return p.zones.mat.elementC;
    case "projectorSkinC":
      return p.zones.projector.skinC;
    case "positionMm":
      return fw.positionMm();
    case "speedMmS":
      return p.carriage.speedMmS;
    case "lift":
      return p.carriage.lift;
    case "motorMa":
      return p.motorMaTrue();
    case "loadKg":
      return p.loadKg;
    case "state":
      return fw.state;
    case "transferPct":
      return fw.o.bootloader.progressPct();
  }
}
