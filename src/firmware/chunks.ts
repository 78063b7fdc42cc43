// Sends an image's bytes as DATA chunks with up to COMMAND_WINDOW in flight (PROTOCOL.md §15.1
// step 2). The link retransmits a chunk whose frame was lost; a chunk refused with
// E_BOOT_OFFSET means an earlier one is missing, so after the window drains we go back to the
// offset the device expects (go-back-N). Every other failure ends the run for the caller.
import { parseReply } from "../../protocols/codec.ts";
import { COMMAND_WINDOW } from "../../protocols/constants.ts";
import type { NakBody } from "../../protocols/messages.ts";
import type { BedDriver } from "../device/bed.ts";
import { BedlinkError, ErrorCode, isBedlinkError } from "../errors.ts";

/** Going back this many times without the device's offset moving means something else is wrong. */
const MAX_REWINDS_WITHOUT_PROGRESS = 8;

export interface ChunkRun {
  payload: Uint8Array;
  from: number;
  chunkBytes: number;
  /** The device's expected offset grew (every byte below it is written). */
  onAccepted(deviceOffset: number): void;
}

/** The NAK body when err is a device refusal. */
export function nakOf(err: unknown): NakBody | undefined {
  return isBedlinkError(err, ErrorCode.CommandRejected) ? (err.context?.nak as NakBody | undefined) : undefined;
}

/** Resolves when the device has accepted every byte; rejects with the first error that is not a wrong offset. */
export async function sendChunks(bed: Pick<BedDriver, "request">, run: ChunkRun): Promise<void> {
  const { payload, chunkBytes } = run;
  const size = payload.length;
  let next = run.from;
  let accepted = run.from;
  let rewind = false;
  let failure: unknown;
  let rewinds = 0;
  let acceptedAtLastRewind = -1;
  const inFlight = new Set<Promise<void>>();

  const accept = (offset: number): void => {
    if (offset <= accepted) return;
    accepted = offset;
    run.onAccepted(accepted);
  };

  const launch = (offset: number, length: number): void => {
    const bytes = payload.subarray(offset, offset + length);
    const p = bed.request("DATA", { offset, bytes }).then(
      (body) => {
        const r = parseReply("DATA", body);
        if (!r.ok) failure ??= new BedlinkError(ErrorCode.BadReply, `DATA reply is malformed: ${r.error}`, { body });
        else accept(r.value.nextOffset);
      },
      (err: unknown) => {
        const nak = nakOf(err);
        if (nak?.code !== "E_BOOT_OFFSET" || nak.expectedOffset === undefined) {
          failure ??= err;
          return;
        }
        // Beyond this chunk: it was written already (a late duplicate). Before it: a gap to fill.
        accept(nak.expectedOffset);
        if (nak.expectedOffset <= offset) rewind = true;
      },
    );
    const tracked = p.finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
  };

  for (;;) {
    if (failure !== undefined) {
      await Promise.allSettled([...inFlight]);
      throw failure;
    }
    if (inFlight.size === 0) {
      if (accepted >= size) return;
      if (rewind || next >= size) {
        // Everything sent has been answered and the device still waits at `accepted`.
        rewinds = accepted > acceptedAtLastRewind ? 1 : rewinds + 1;
        acceptedAtLastRewind = accepted;
        if (rewinds > MAX_REWINDS_WITHOUT_PROGRESS) {
          throw new BedlinkError(ErrorCode.TransferFailed, `the bed keeps refusing chunks at offset ${accepted}`, { offset: accepted });
        }
        rewind = false;
        next = accepted;
      }
    }
    while (!rewind && inFlight.size < COMMAND_WINDOW && next < size) {
      const length = Math.min(chunkBytes, size - next);
      launch(next, length);
      next += length;
    }
    await Promise.race(inFlight);
  }
}
