// A device built to PROTOCOL.md numbers events from 0 at every boot and stamps them with uptime, so
// each boot's I_BOOT looks alike: the second boot's must still be delivered, not taken for a retransmission.
import { expect, it } from "vitest";
import { encodeFrame } from "../../protocols/codec.ts";
import { silentLogger } from "../../src/log.ts";
import { Receiver } from "../../src/link/receiver.ts";
import { emptyCounters } from "../../src/link/stats.ts";

it("an I_BOOT from a second boot is delivered", () => {
  const counters = emptyCounters();
  const delivered: string[] = [];
  const rx = new Receiver(counters, () => silentLogger(), {
    reply: () => undefined,
    telemetry: () => undefined,
    event: (e, seq) => delivered.push(`${seq} ${e.code}`),
    write: () => undefined,
  });
  const boot = encodeFrame({ type: "EVT", seq: 0, body: { code: "I_BOOT", priority: "low", atMs: 12 } }).trimEnd();
  rx.line(boot); // first boot
  rx.resetSession(); // link re-handshakes after the device rebooted
  rx.line(boot); // second boot: same seq, same code, same uptime
  expect(delivered).toEqual(["0 I_BOOT", "0 I_BOOT"]);
});
