// The firmware's telemetry task: the TLM frame from the firmware's view of the bed, one per
// period, and the hung sensor task (fault telemetry-frozen) that keeps repeating an old one.
import type { Clock } from "../protocols/clock.ts";
import { encodeFrame } from "../protocols/codec.ts";
import { CUT_FLAG, TLM_FLAGS, ZONES } from "../protocols/constants.ts";
import type { Telemetry } from "../protocols/messages.ts";
import type { Firmware } from "./firmware.ts";

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

/** Uptime since this boot (PROTOCOL.md §11): it restarts at a reboot, which the host watches for. */
export function uptimeMs(fw: Firmware): number {
  return Math.max(0, Math.round(fw.nowMs() - fw.bootAtMs));
}

export function buildTelemetry(fw: Firmware): Telemetry {
  const plant = fw.plant;
  const c = plant.carriage;
  let flags = 0;
  if (fw.homed) flags |= TLM_FLAGS.homed;
  if (c.homeSwitch) flags |= TLM_FLAGS.limitHome;
  if (c.endSwitch) flags |= TLM_FLAGS.limitEnd;
  if (c.moving) flags |= TLM_FLAGS.moving;
  if (fw.leaseArmed) flags |= TLM_FLAGS.leaseActive;
  if (fw.occupied) flags |= TLM_FLAGS.occupied;
  if (fw.state === "bootloader") flags |= TLM_FLAGS.bootloader;
  // What the firmware commanded, not what the contacts did: a welded relay still reports open.
  for (const zone of ZONES) if (plant.powerCut[zone]) flags |= CUT_FLAG[zone];
  const pos = clamp(fw.positionMm(), -50, 2000);
  return {
    tMs: uptimeMs(fw),
    state: fw.state,
    projectorC: clamp(plant.sensorReadC("projector", true), -55, 250),
    matC: clamp(plant.sensorReadC("mat", true), -55, 250),
    projectorSetC: fw.zones.projector.setC,
    matSetC: fw.zones.mat.setC,
    projectorDuty: fw.zones.projector.duty,
    matDuty: fw.zones.mat.duty,
    positionMm: pos,
    targetMm: clamp(fw.targetMm ?? Math.max(0, pos), 0, 2000),
    speedMmS: clamp(c.speedMmS, -200, 200),
    lift: c.lift,
    motorMa: clamp(plant.motorMaRead(), 0, 20000),
    loadKg: clamp(plant.loadRead(), -10, 500),
    flags,
  };
}

export class TelemetryTask {
  private lastSentMs = -Infinity;
  private last: Telemetry | undefined;
  private freezing = false;
  /** The frame a hung sensor task keeps repeating. */
  private frozen: Telemetry | undefined;

  constructor(
    private readonly fw: Firmware,
    private readonly clock: Clock,
    private readonly send: (line: string) => void,
  ) {}

  /** After a power-on: the first frame goes out on the next tick. */
  restart(): void {
    this.lastSentMs = -Infinity;
  }

  /** telemetry-frozen: every frame repeats the last one sent before it began; only seq and tMs move on. */
  setFrozen(on: boolean): void {
    if (on === this.freezing) return;
    this.freezing = on;
    this.frozen = on ? this.last : undefined;
  }

  /** Called every firmware tick: sends a frame when a period has passed. */
  tick(): void {
    const fw = this.fw;
    const now = this.clock.now();
    if (now - this.lastSentMs < 1000 / fw.telemetryHz - 0.5) return;
    this.lastSentMs = now;
    const body = this.frozen ? { ...this.frozen, tMs: uptimeMs(fw) } : buildTelemetry(fw);
    if (this.freezing) this.frozen ??= body;
    this.last = body;
    this.send(encodeFrame({ type: "TLM", seq: fw.allocSeq(), body }));
  }
}
