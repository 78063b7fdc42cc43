// The counters a technician reads when a link misbehaves: what went out, what came back,
// and every way a frame was lost or refused. Returned by stats() and logged on state changes.
import type { RttStats } from "./rtt.ts";

export interface LinkCounters {
  commandsSent: number;
  retransmits: number;
  timeouts: { command: number; handshake: number; estop: number };
  naks: number;
  crcErrors: number;
  framingErrors: number;
  overlongLines: number;
  unknownTypes: number;
  bodyErrors: number;
  /** Device EVT retransmissions we had already delivered. */
  duplicateEventsDropped: number;
  /** ACK/NAK for a sequence number nobody waits for (a late answer to a retransmitted command). */
  unmatchedReplies: number;
  /** ACKs saying {stale:true}: the device kept a newer setpoint for that actuator instead. */
  staleReplies: number;
  /** Telemetry older than what we already had (reordered on the way). */
  staleTelemetryDropped: number;
  bytesOut: number;
  bytesIn: number;
  framesOut: number;
  framesIn: number;
  telemetryIn: number;
  eventsIn: number;
  heartbeatsSent: number;
  estopsSent: number;
  handshakes: number;
  reconnects: number;
  deviceReboots: number;
}

export interface LinkStats extends LinkCounters {
  state: string;
  transport: string | undefined;
  sid: string | undefined;
  upSinceMs: number | undefined;
  inFlight: number;
  queued: number;
  rtt: RttStats;
}

export function emptyCounters(): LinkCounters {
  return {
    commandsSent: 0,
    retransmits: 0,
    timeouts: { command: 0, handshake: 0, estop: 0 },
    naks: 0,
    crcErrors: 0,
    framingErrors: 0,
    overlongLines: 0,
    unknownTypes: 0,
    bodyErrors: 0,
    duplicateEventsDropped: 0,
    unmatchedReplies: 0,
    staleTelemetryDropped: 0,
    staleReplies: 0,
    bytesOut: 0,
    bytesIn: 0,
    framesOut: 0,
    framesIn: 0,
    telemetryIn: 0,
    eventsIn: 0,
    heartbeatsSent: 0,
    estopsSent: 0,
    handshakes: 0,
    reconnects: 0,
    deviceReboots: 0,
  };
}
