// Link-layer timing and sizing. The protocol numbers (window, lease fraction) live in
// protocols/constants.ts; these are the host's own choices, each with its reason.
import { DEDUP_DEPTH } from "../../protocols/constants.ts";

/** RFC 6298 initial RTO before any sample (DESIGN-NOTES: 250 ms, a serial line at 115200 answers in a few ms). */
export const RTO_INITIAL_MS = 250;
/** RTO clamp (DESIGN-NOTES): below 40 ms a busy firmware loop looks like loss; above 2 s a lease would run out. */
export const RTO_MIN_MS = 40;
export const RTO_MAX_MS = 2000;
/**
 * A serial line carries 10 bits per byte (8N1). On a line of known baud every command's timer
 * also allows for the wire time of its own frame and of the bytes queued ahead of it: a 537-byte
 * DATA frame alone takes 47 ms at 115200, more than RTO_MIN_MS, and four in flight ≈ 190 ms.
 */
export const BITS_PER_BYTE = 10;
/** Attempts per command in all, first send included (DESIGN-NOTES). */
export const COMMAND_MAX_ATTEMPTS = 4;
/**
 * The device remembers replies to its last DEDUP_DEPTH (64) command seqs. A command still
 * being retried must stay inside that memory, or its retransmission would be applied
 * again: so new commands wait while the oldest outstanding one is this many seqs behind.
 * Half the cache leaves room for the heartbeats sent during a full retry cycle (≤ 16).
 */
export const MAX_SEQ_SPAN = DEDUP_DEPTH / 2;
/** RFC 6298 gains: alpha = 1/8, beta = 1/4, K = 4. */
export const RTT_ALPHA = 1 / 8;
export const RTT_BETA = 1 / 4;
export const RTT_K = 4;
/** Recent RTT samples kept for median/p99 (a few seconds of traffic at 10 Hz heartbeats). */
export const RTT_RING_SIZE = 256;

/** ESTOP is repeated this often until ACKed, this many times at most (DESIGN-NOTES). */
export const ESTOP_REPEAT_MS = 50;
export const ESTOP_MAX_ATTEMPTS = 20;

/** Reconnect backoff after an unplug: 250 ms doubling to 5 s (issue 2). */
export const RECONNECT_INITIAL_MS = 250;
export const RECONNECT_MAX_MS = 5000;

/**
 * No valid frame from the device for this many leases while up → the link is dead even if
 * the port is still open (a TCP bridge whose bed lost power). Heartbeat ACKs alone arrive
 * every lease/4, so three leases is a dozen missed answers.
 */
export const DEVICE_SILENCE_LEASES = 3;

/** Event (seq, code, atMs) keys remembered for duplicate suppression; the device retries 5 times over 1.5 s. */
export const EVENT_DEDUP_DEPTH = 128;

/** Protocol name the host reports in HELLO. */
export const HOST_NAME_DEFAULT = "bedlink/0.1.0";

/** Device uptime (TLM tMs) this far behind the highest seen means the device rebooted; reordering moves it by a few periods at most. */
export const UPTIME_BACKWARDS_MS = 1000;
