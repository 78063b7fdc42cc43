// PROTOCOL.md §2.1/§10: an empty reply is `ACK <seq>` with no body, and so is the ESTOP's.
import { expect, it } from "vitest";
import { rig } from "../simulator/harness.ts";

it("ESTOP is ACKed with no body, as the spec's example shows", async () => {
  const { bed, host } = await rig();
  const r = await host.command("ESTOP", {});
  expect(r.type).toBe("ACK");
  const line = bed.wireLog.find((l) => / > ACK \d+ \{\}\*/.test(l) || new RegExp(` > ACK ${r.seq}\\*`).test(l) || new RegExp(` > ACK ${r.seq} `).test(l));
  console.log(line);
  expect(r.body).toBeUndefined();
  bed.stop();
});
