// An in-process byte pipe pair on the simulator's clock, for putting a host next to a
// SimulatedBed without any transport code: each write arrives on the peer after `latencyMs`
// (0 = at the current instant, as a clock timer), so it works under advance() and advanceSync() alike.
import type { Clock } from "../protocols/clock.ts";
import type { BytePort } from "../protocols/port.ts";

class LoopbackEnd implements BytePort {
  peer!: LoopbackEnd;
  isOpen = true;
  private readonly data = new Set<(b: Buffer) => void>();
  private readonly closed = new Set<(e?: Error) => void>();

  constructor(
    readonly description: string,
    private readonly clock: Clock,
    private readonly latencyMs: number,
  ) {}

  write(bytes: Uint8Array): void {
    if (!this.isOpen || bytes.length === 0) return;
    const copy = Buffer.from(bytes);
    const peer = this.peer;
    this.clock.setTimeout(() => peer.receive(copy), this.latencyMs);
  }

  private receive(bytes: Buffer): void {
    if (this.isOpen) for (const l of this.data) l(bytes);
  }

  onData(listener: (bytes: Buffer) => void): () => void {
    this.data.add(listener);
    return () => this.data.delete(listener);
  }

  onClose(listener: (reason?: Error) => void): () => void {
    this.closed.add(listener);
    return () => this.closed.delete(listener);
  }

  /** Closing either end closes both, like pulling the cable. */
  async close(): Promise<void> {
    this.shut();
    this.peer.shut();
  }

  private shut(): void {
    if (!this.isOpen) return;
    this.isOpen = false;
    for (const l of this.closed) l();
    this.closed.clear();
    this.data.clear();
  }
}

/** Returns [hostEnd, bedEnd]. */
export function createLoopback(clock: Clock, latencyMs = 0): [BytePort, BytePort] {
  const host = new LoopbackEnd("loopback:host", clock, latencyMs);
  const bed = new LoopbackEnd("loopback:bed", clock, latencyMs);
  host.peer = bed;
  bed.peer = host;
  return [host, bed];
}
