// Semantic Versioning 2.0.0 parse and precedence, by hand (semver.org §2, §9–§11).
// Used to refuse firmware downgrades; build metadata never affects the order.

export interface SemVer {
  major: number;
  minor: number;
  patch: number;
  /** Dot-separated pre-release identifiers; empty for a release. */
  prerelease: string[];
  build: string[];
}

const NUMERIC = /^(0|[1-9][0-9]*)$/;
const IDENT = /^[0-9A-Za-z-]+$/;
const SHAPE = /^([^.+-]+)\.([^.+-]+)\.([^.+-]+)(?:-([^+]+))?(?:\+(.+))?$/;

/** Returns null for anything that is not a strict semver string (no leading "v", no leading zeros). */
export function parseSemver(text: string): SemVer | null {
  const m = SHAPE.exec(text);
  if (!m) return null;
  const nums = [m[1]!, m[2]!, m[3]!].map((part) => (NUMERIC.test(part) ? Number(part) : NaN));
  if (nums.some((n) => !Number.isSafeInteger(n))) return null;
  const prerelease = m[4] === undefined ? [] : m[4].split(".");
  const build = m[5] === undefined ? [] : m[5].split(".");
  if (!prerelease.every((id) => IDENT.test(id) && (!/^[0-9]+$/.test(id) || NUMERIC.test(id)))) return null;
  if (!build.every((id) => IDENT.test(id))) return null;
  return { major: nums[0]!, minor: nums[1]!, patch: nums[2]!, prerelease, build };
}

export function isSemver(text: string): boolean {
  return parseSemver(text) !== null;
}

/** Negative when a < b, zero when they have equal precedence, positive when a > b. */
export function compareSemver(a: SemVer, b: SemVer): number {
  for (const key of ["major", "minor", "patch"] as const) {
    if (a[key] !== b[key]) return a[key] < b[key] ? -1 : 1;
  }
  // A release ranks above any of its pre-releases (1.0.0-rc.1 < 1.0.0).
  if (a.prerelease.length === 0 || b.prerelease.length === 0) {
    return b.prerelease.length - a.prerelease.length === 0 ? 0 : a.prerelease.length === 0 ? 1 : -1;
  }
  const n = Math.min(a.prerelease.length, b.prerelease.length);
  for (let i = 0; i < n; i++) {
    const c = compareIdentifier(a.prerelease[i]!, b.prerelease[i]!);
    if (c !== 0) return c;
  }
  return Math.sign(a.prerelease.length - b.prerelease.length);
}

function compareIdentifier(x: string, y: string): number {
  const xNum = NUMERIC.test(x);
  const yNum = NUMERIC.test(y);
  // Without leading zeros, a longer digit string is the larger number: exact at any length.
  if (xNum && yNum) return x.length !== y.length ? Math.sign(x.length - y.length) : x < y ? -1 : x > y ? 1 : 0;
  if (xNum !== yNum) return xNum ? -1 : 1; // numeric identifiers rank below alphanumeric ones
  return x < y ? -1 : x > y ? 1 : 0; // ASCII order
}
