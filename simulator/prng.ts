// Seeded pseudo-random numbers (mulberry32): every noisy reading and every random fault in
// the simulator draws from one of these, so a seed replays the same run byte for byte.

export class Prng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return p > 0 && this.next() < p;
  }

  /** Whole number in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Normal(0, sigma), Box–Muller. */
  gauss(sigma: number): number {
    const u = 1 - this.next();
    const v = this.next();
    return sigma * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** A child generator with its own stream, so adding draws in one place doesn't shift another. */
  fork(salt: number): Prng {
    return new Prng(Math.imul(this.state ^ salt, 0x85ebca6b) ^ salt);
  }
}
