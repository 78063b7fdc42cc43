import { describe, expect, it } from "vitest";
import { ErrorCode, isBedlinkError } from "../../src/errors.ts";
import { parseTcpUrl, transportFromSpec } from "../../src/transport/index.ts";

function specError(spec: Parameters<typeof transportFromSpec>[0]) {
  try {
    transportFromSpec(spec);
  } catch (err) {
    return err as Error & { context?: { field?: string } };
  }
  throw new Error("expected BadTransportSpec");
}

describe("transport from what the technician typed", () => {
  it("a serial path or a tcp:// URL gives a factory (nothing is opened yet)", () => {
    expect(typeof transportFromSpec({ port: "/dev/ttyUSB0" })).toBe("function");
    expect(typeof transportFromSpec({ port: "/dev/ttyUSB0", baud: 9600 })).toBe("function");
    expect(typeof transportFromSpec({ tcp: "tcp://10.0.0.5:7000" })).toBe("function");
    expect(parseTcpUrl("tcp://[::1]:4001")).toEqual({ host: "::1", port: 4001 });
    expect(parseTcpUrl("tcp://bed-3.local:2000")).toEqual({ host: "bed-3.local", port: 2000 });
  });

  it.each([
    ["nothing given", {}, "port"],
    ["both given", { port: "/dev/ttyUSB0", tcp: "tcp://h:1" }, "port"],
    ["a relative port name", { port: "ttyUSB0" }, "port"],
    ["a zero baud rate", { port: "/dev/ttyUSB0", baud: 0 }, "baud"],
    ["a fractional baud rate", { port: "/dev/ttyUSB0", baud: 9600.5 }, "baud"],
    ["a baud rate with tcp", { tcp: "tcp://h:1", baud: 9600 }, "baud"],
    ["http instead of tcp", { tcp: "http://h:1" }, "tcp"],
    ["no port number", { tcp: "tcp://h" }, "tcp"],
    ["port 70000", { tcp: "tcp://h:70000" }, "tcp"],
  ])("%s → BadTransportSpec naming the field", (_name, spec, field) => {
    const err = specError(spec);
    expect(isBedlinkError(err, ErrorCode.BadTransportSpec)).toBe(true);
    expect(err.context?.field).toBe(field);
    expect(err.message.startsWith(`${field}:`)).toBe(true);
  });
});
