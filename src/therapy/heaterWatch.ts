// The heater rules that hold whether or not a program runs: per zone, a heater that warms while
// commanded off (a stuck switch), one that warms after its power was cut (the cut failed too), and
// an element above its ceiling. The session's supervisor uses it while a session runs; the panel
// keeps one watching the bed between sessions (nobody else would: a switch can weld at any time).
import { CAP_HEAT_CUT, CUT_FLAG, ZONES, type Zone } from "../../protocols/constants.ts";
import type { Identity, Telemetry } from "../../protocols/messages.ts";
import { CUT_CLOSED_RESET_MS, ELEMENT_CEILING_C, ELEMENT_CEILING_TOLERANCE_C, RUNAWAY_OFF_RISING_C } from "./limits.ts";
import { commandedOff, WarmingWatch, ZoneFilter, type ZoneReading } from "./runaway.ts";

export type HeaterCode = "S_OFF_RISING" | "S_HEATER_NOT_CUT" | "S_ELEMENT_OVER";

export interface HeaterTrip {
  code: HeaterCode;
  zone: Zone;
  /** The rise (°C) or the element temperature (°C) that tripped, with its limit. */
  value: number;
  limit: number;
}

export function zoneReading(t: Telemetry, zone: Zone): ZoneReading {
  return zone === "projector" ? { elementC: t.projectorC, setC: t.projectorSetC, duty: t.projectorDuty } : { elementC: t.matC, setC: t.matSetC, duty: t.matDuty };
}

/** The bed says this zone's heater has no power: its cut is open, or it is in a latched state. */
export function powerCut(t: Telemetry, zone: Zone, id: Identity): boolean {
  if (t.state === "safe" || t.state === "estop" || t.state === "cutout") return true;
  return id.caps.includes(CAP_HEAT_CUT) && (t.flags & CUT_FLAG[zone]) !== 0;
}

/** The controller's element ceiling for a zone: the brief's, or the bed's own if lower. */
export function elementCeilingC(zone: Zone, id: Identity): number {
  return Math.min(ELEMENT_CEILING_C[zone], zone === "projector" ? id.limits.projectorMaxC : id.limits.matMaxC);
}

class ZoneHeaterWatch {
  readonly filter = new ZoneFilter();
  private readonly offRising = new WarmingWatch();
  /** From the moment the zone's power cut first opened: it must not warm any more. */
  private cutWatch: WarmingWatch | undefined;
  private cutClosedSinceMs: number | undefined;

  constructor(
    private readonly zone: Zone,
    private readonly identity: Identity,
  ) {}

  /** One reading (already averaged: avgC). Returns the heater rule it breaks, if any. */
  check(t: Telemetry, r: ZoneReading, avgC: number, nowMs: number): HeaterTrip | undefined {
    const zone = this.zone;
    const ceiling = elementCeilingC(zone, this.identity);
    if (r.elementC > ceiling + ELEMENT_CEILING_TOLERANCE_C) return { code: "S_ELEMENT_OVER", zone, value: r.elementC, limit: ceiling };
    // A cut flag that chatters does not restart the cut's watch: only the zone heating again, with
    // its cut closed for a while, does.
    if (powerCut(t, zone, this.identity)) {
      this.cutClosedSinceMs = undefined;
      this.cutWatch ??= new WarmingWatch();
    } else if (this.cutWatch) {
      this.cutClosedSinceMs ??= nowMs;
      if (nowMs - this.cutClosedSinceMs >= CUT_CLOSED_RESET_MS && !commandedOff(r, avgC)) this.cutWatch = undefined;
    }
    const notCut = this.cutWatch?.update(avgC);
    if (notCut !== undefined) return { code: "S_HEATER_NOT_CUT", zone, value: notCut, limit: RUNAWAY_OFF_RISING_C };
    // Warming while commanded off: a stuck switch. Only the zone being commanded on restarts it.
    if (!commandedOff(r, avgC)) {
      this.offRising.reset();
      return undefined;
    }
    const rise = this.offRising.update(avgC);
    return rise === undefined ? undefined : { code: "S_OFF_RISING", zone, value: rise, limit: RUNAWAY_OFF_RISING_C };
  }
}

/** Both zones' heater rules; each trip is reported once per zone (a stuck switch, then a failed cut). */
export class HeaterWatch {
  private readonly zones: Record<Zone, ZoneHeaterWatch>;
  private readonly reported = new Set<string>();

  constructor(identity: Identity) {
    this.zones = { projector: new ZoneHeaterWatch("projector", identity), mat: new ZoneHeaterWatch("mat", identity) };
  }

  /** Averages a zone's reading (the supervisor's other rules use the same average). */
  average(zone: Zone, nowMs: number, c: number): number {
    return this.zones[zone].filter.update(nowMs, c);
  }

  checkZone(t: Telemetry, zone: Zone, avgC: number, nowMs: number): HeaterTrip | undefined {
    const trip = this.zones[zone].check(t, zoneReading(t, zone), avgC, nowMs);
    if (!trip) return undefined;
    const key = `${trip.code}:${zone}`;
    if (this.reported.has(key)) return undefined;
    this.reported.add(key);
    return trip;
  }

  /** Every zone, for a bed between sessions. */
  onTelemetry(t: Telemetry, nowMs: number): HeaterTrip | undefined {
    for (const zone of ZONES) {
      const trip = this.checkZone(t, zone, this.average(zone, nowMs, zoneReading(t, zone).elementC), nowMs);
      if (trip) return trip;
    }
    return undefined;
  }
}
