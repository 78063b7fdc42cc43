// Faults while the simulator runs: which are waiting for their time or condition, which are
// active, and what each does to the hardware and the firmware. Link faults are read by the
// wire (value()).
import type { Clock, TimerHandle } from "../protocols/clock.ts";
import { ZONES } from "../protocols/constants.ts";
import { ONE_SHOT_KINDS, type ConditionField, type FaultKind, type FaultSpec } from "./faults.ts";
import type { LinkFaults } from "./wire.ts";

const LINK_KINDS: ReadonlySet<FaultKind> = new Set([
  "bitflip-rx", "bitflip-tx", "dropbyte-rx", "dropbyte-tx", "drop-frame-rx", "drop-frame-tx", "dup-frame-rx",
  "dup-frame-tx", "reorder-rx", "reorder-tx", "delay-frame-rx", "delay-frame-tx", "slow-ack", "no-ack",
]);

/** Firmware that lies (FAULTS.md, "misbehaving firmware"): what the faults switch on. */
export interface FirmwareBugs {
  /** ESTOP ACKed, not acted on. */
  estopIgnored: boolean;
  /** ESTOP neither answered nor acted on. */
  estopUnanswered: boolean;
  /** SAFE ACKed, not acted on. */
  safeIgnored: boolean;
  /** Actuator commands ACKed, not applied. */
  commandsIgnored: boolean;
}

export const NO_BUGS: Readonly<FirmwareBugs> = { estopIgnored: false, estopUnanswered: false, safeIgnored: false, commandsIgnored: false };

/** What the faults act on: the bed wires these to its plant and firmware. */
export interface FaultTargets {
  clock: Clock;
  epochMs: number;
  condition(field: ConditionField): number | string;
  /** One-shot actions. */
  fire(f: FaultSpec): void;
  /** Re-derive the hardware fault state from the active set. */
  applyHardware(active: readonly FaultSpec[]): void;
  note(text: string): void;
}

export class FaultRuntime implements LinkFaults {
  private readonly active: FaultSpec[] = [];
  private readonly waiting: FaultSpec[] = [];
  private readonly timers = new Set<TimerHandle>();
  /** Timed faults not fired yet, by their timer (so clear() can cancel them). */
  private readonly pendingByTimer = new Map<TimerHandle, FaultSpec>();
  private linkCount = 0;

  constructor(private readonly t: FaultTargets) {}

  get linkActive(): boolean {
    return this.linkCount > 0;
  }

  value(kind: FaultKind): number {
    if (this.linkCount === 0) return 0;
    for (let i = this.active.length - 1; i >= 0; i--) {
      const f = this.active[i]!;
      if (f.kind === kind) return f.rate ?? f.ms ?? 0;
    }
    return 0;
  }

  list(): readonly FaultSpec[] {
    return this.active;
  }

  inject(f: FaultSpec): void {
    const at = f.at;
    if (!at) return this.activate(f);
    if ("atMs" in at) {
      const delay = at.atMs - (this.t.clock.now() - this.t.epochMs);
      const h = this.t.clock.setTimeout(() => {
        this.timers.delete(h);
        this.pendingByTimer.delete(h);
        this.activate(f);
      }, Math.max(0, delay));
      this.timers.add(h);
      this.pendingByTimer.set(h, f);
    } else this.waiting.push(f);
  }

  /** Called every firmware tick: fires faults whose condition now holds. */
  checkConditions(): void {
    for (let i = 0; i < this.waiting.length; i++) {
      const f = this.waiting[i]!;
      const at = f.at as Exclude<FaultSpec["at"], { atMs: number } | undefined>;
      if (holds(this.t.condition(at.field), at.op, at.value)) {
        this.waiting.splice(i--, 1);
        this.activate(f);
      }
    }
  }

  private activate(f: FaultSpec): void {
    this.t.note(`fault ${describeFault(f)}`);
    if (ONE_SHOT_KINDS.has(f.kind)) return this.t.fire(f);
    this.active.push(f);
    if (LINK_KINDS.has(f.kind)) this.linkCount++;
    this.t.applyHardware(this.active);
    if (f.forMs !== undefined) {
      const h = this.t.clock.setTimeout(() => {
        this.timers.delete(h);
        this.remove((x) => x === f);
      }, f.forMs);
      this.timers.add(h);
    }
  }

  clear(kind: string): void {
    for (let i = 0; i < this.waiting.length; i++) if (this.waiting[i]!.kind === kind) this.waiting.splice(i--, 1);
    // A timed fault that has not fired yet is cleared too: cancel its timer.
    for (const [h, f] of this.pendingByTimer) {
      if (f.kind !== kind) continue;
      this.t.clock.clearTimeout(h);
      this.timers.delete(h);
      this.pendingByTimer.delete(h);
    }
    this.remove((f) => f.kind === kind);
  }

  private remove(match: (f: FaultSpec) => boolean): void {
    let changed = false;
    for (let i = 0; i < this.active.length; i++) {
      const f = this.active[i]!;
      if (!match(f)) continue;
      this.active.splice(i--, 1);
      if (LINK_KINDS.has(f.kind)) this.linkCount--;
      this.t.note(`fault cleared ${describeFault(f)}`);
      changed = true;
    }
    if (changed) this.t.applyHardware(this.active);
  }

  stop(): void {
    for (const h of this.timers) this.t.clock.clearTimeout(h);
    this.timers.clear();
    this.pendingByTimer.clear();
  }
}

function holds(v: number | string, op: string, want: number | string): boolean {
  if (op === "=") return String(v) === String(want);
  const a = Number(v);
  const b = Number(want);
  return op === ">" ? a > b : op === ">=" ? a >= b : op === "<" ? a < b : a <= b;
}

export function describeFault(f: FaultSpec): string {
  const param = f.zone ?? f.switch ?? f.rate ?? (f.ms !== undefined ? `${f.ms}ms` : undefined) ?? f.kg ?? f.version;
  return param === undefined ? f.kind : `${f.kind}:${param}`;
}

/** Hardware and firmware state implied by the active faults (heater, sensor, carriage, switches, relays, bugs). */
export function hardwareFrom(active: readonly FaultSpec[]) {
  const out = {
    heater: { projector: undefined, mat: undefined } as Record<(typeof ZONES)[number], "stuck-on" | "dead" | undefined>,
    sensor: { projector: undefined, mat: undefined } as Record<(typeof ZONES)[number], "open" | "short" | undefined>,
    jammed: false,
    homeSwitch: undefined as "open" | "closed" | undefined,
    endSwitch: undefined as "open" | "closed" | undefined,
    protocolVersion: undefined as number | undefined,
    cutWelded: { projector: false, mat: false } as Record<(typeof ZONES)[number], boolean>,
    bugs: { ...NO_BUGS } as FirmwareBugs,
    telemetryFrozen: false,
  };
  for (const f of active) {
    if (f.kind === "heater-stuck-on" && f.zone) out.heater[f.zone] = "stuck-on";
    if (f.kind === "heater-dead" && f.zone) out.heater[f.zone] = "dead";
    if (f.kind === "sensor-open" && f.zone) out.sensor[f.zone] = "open";
    if (f.kind === "sensor-short" && f.zone) out.sensor[f.zone] = "short";
    if (f.kind === "jam") out.jammed = true;
    if (f.kind === "limit-stuck" && f.switch) {
      const [which, how] = f.switch.split("-") as ["home" | "end", "open" | "closed"];
      if (which === "home") out.homeSwitch = how;
      else out.endSwitch = how;
    }
    if (f.kind === "proto-version") out.protocolVersion = f.version;
    if (f.kind === "relay-welded" && f.zone) out.cutWelded[f.zone] = true;
    if (f.kind === "estop-ignored") out.bugs.estopIgnored = true;
    if (f.kind === "estop-unanswered") out.bugs.estopUnanswered = true;
    if (f.kind === "safe-ignored") out.bugs.safeIgnored = true;
    if (f.kind === "commands-ignored") out.bugs.commandsIgnored = true;
    if (f.kind === "telemetry-frozen") out.telemetryFrozen = true;
  }
  return out;
}
