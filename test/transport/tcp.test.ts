// The driver over raw TCP, as through a ser2net bridge: the bed's bytes on a socket.
import { createServer, type Server, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { RealClock } from "../../protocols/clock.ts";
import { BedDriver } from "../../src/device/bed.ts";
import { ErrorCode, isBedlinkError } from "../../src/errors.ts";
import { StreamPort } from "../../src/transport/streamPort.ts";
import { tcpTransport } from "../../src/transport/tcp.ts";
import { ScriptedBed } from "../helpers/scriptedBed.ts";

let server: Server | undefined;
afterEach(async () => {
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  server = undefined;
});

async function bridge(bed: ScriptedBed, sockets: Socket[]): Promise<number> {
  server = createServer((socket) => {
    sockets.push(socket);
    bed.attach(new StreamPort("bridge", socket, async () => void socket.destroy()));
  });
  await new Promise<void>((r) => server!.listen(0, "127.0.0.1", r));
  return (server.address() as { port: number }).port;
}

describe("tcp:// transport (ser2net style)", () => {
  it("driver handshakes and commands a bed behind a TCP bridge; bridge drops the socket → reconnect", async () => {
    const clock = new RealClock();
    const bed = new ScriptedBed({ clock, telemetry: true });
    const sockets: Socket[] = [];
    const port = await bridge(bed, sockets);
    const driver = await BedDriver.connect({ transport: tcpTransport({ host: "127.0.0.1", port, clock }), clock });
    expect(driver.stats().transport).toBe(`tcp://127.0.0.1:${port}`);
    await driver.moveTo(100, 30);
    sockets[0]!.destroy();
    const by = Date.now() + 5000;
    while (driver.stats().reconnects < 1 && Date.now() < by) await new Promise((r) => setTimeout(r, 20));
    expect(driver.linkState).toBe("up");
    await driver.moveTo(200, 30);
    expect(bed.applied.map((a) => a.body.positionMm)).toEqual([100, 200]);
    await driver.close();
  });

  it("nobody listening → TransportOpenFailed naming the address, quickly", async () => {
    const clock = new RealClock();
    const err = await BedDriver.connect({ transport: tcpTransport({ host: "127.0.0.1", port: 1, clock }), clock }).catch((e: unknown) => e);
    expect(isBedlinkError(err, ErrorCode.TransportOpenFailed)).toBe(true);
    expect((err as Error).message).toContain("tcp://127.0.0.1:1");
  });
});
