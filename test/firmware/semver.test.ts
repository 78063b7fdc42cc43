import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compareSemver, parseSemver, type SemVer } from "../../src/firmware/semver.ts";

const v = (text: string): SemVer => {
  const parsed = parseSemver(text);
  if (!parsed) throw new Error(`test version ${text} does not parse`);
  return parsed;
};

describe("firmware version order (semver 2.0.0, by hand)", () => {
  it("ranks the semver.org §11 example chain in order", () => {
    const chain = ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.1", "1.1.0", "2.0.0"];
    for (let i = 0; i + 1 < chain.length; i++) {
      expect(compareSemver(v(chain[i]!), v(chain[i + 1]!)), `${chain[i]} < ${chain[i + 1]}`).toBeLessThan(0);
      expect(compareSemver(v(chain[i + 1]!), v(chain[i]!))).toBeGreaterThan(0);
    }
  });

  it("compares numbers numerically, not as text (1.10.0 is newer than 1.9.0)", () => {
    expect(compareSemver(v("1.10.0"), v("1.9.0"))).toBeGreaterThan(0);
    expect(compareSemver(v("1.0.0-rc.10"), v("1.0.0-rc.9"))).toBeGreaterThan(0);
  });

  it("ignores build metadata: 1.4.0+build.7 is the same release as 1.4.0", () => {
    expect(compareSemver(v("1.4.0+build.7"), v("1.4.0"))).toBe(0);
    expect(v("1.4.0+build.7").build).toEqual(["build", "7"]);
  });

  it("refuses version strings a bed could report loosely", () => {
    for (const bad of ["1.4", "v1.4.0", "01.4.0", "1.04.0", "1.4.0-", "1.4.0+", "1.4.0-rc..1", "1.4.0-01", "1.4.x", "", " 1.4.0", "1.4.0 "]) {
      expect(parseSemver(bad), JSON.stringify(bad)).toBeNull();
    }
  });

  it("is a total order: antisymmetric and transitive over random versions", () => {
    const ident = fc.oneof(fc.nat({ max: 20 }).map(String), fc.constantFrom("alpha", "beta", "rc", "x-1"));
    const version = fc
      .tuple(fc.nat({ max: 3 }), fc.nat({ max: 3 }), fc.nat({ max: 3 }), fc.array(ident, { maxLength: 3 }))
      .map(([a, b, c, pre]) => v(`${a}.${b}.${c}${pre.length ? `-${pre.join(".")}` : ""}`));
    fc.assert(
      fc.property(version, version, version, (a, b, c) => {
        expect(Math.sign(compareSemver(a, b)) + Math.sign(compareSemver(b, a))).toBe(0);
        if (compareSemver(a, b) <= 0 && compareSemver(b, c) <= 0) expect(compareSemver(a, c)).toBeLessThanOrEqual(0);
      }),
    );
  });
});
