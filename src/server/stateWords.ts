// The session's machine states in words a showroom operator understands (no jargon on the panel).

const WORDS: Record<string, string> = {
  "linking.connecting": "Connecting to the bed",
  "linking.handshaking": "Connecting to the bed",
  prechecks: "Getting ready: waiting for someone to lie down",
  homing: "Moving to the start position",
  scanning: "Measuring the spine",
  "running.step": "Running",
  paused: "Paused",
  coolingDown: "Cooling down",
  linkLost: "The bed is not answering",
  resumeOffer: "The bed is back: resume or end the session?",
  completed: "Finished",
  stopped: "Stopped",
  faulted: "Stopped by a safety check",
  estopped: "Emergency stop",
};

export function stateWords(state: string): string {
  return WORDS[state] ?? state;
}

export const FINAL_SESSION_STATES: ReadonlySet<string> = new Set(["completed", "stopped", "faulted", "estopped"]);
