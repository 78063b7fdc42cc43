// An in-memory byte pipe pair on an injected clock: the controller holds one end, the
// simulator (or a test) the other. With `baud`, bytes take their wire time (10 bits per
// byte at 8N1), in real or virtual time alike.
import type { Clock } from "../../protocols/clock.ts";
import type { BytePort } from "../../protocols/port.ts";
import { PortListeners } from "./portListeners.ts";

export interface MemoryPairOptions {
  /** Line rate to pace at; undefined = as fast as the clock allows. */
  baud?: number;
  /** Extra one-way latency, ms. */
  latencyMs?: number;
}

class MemoryEnd implements BytePort {
  peer!: MemoryEnd;
  isOpen = true;
  private readonly listeners = new PortListeners();
  /** When the line towards the peer is free again (baud pacing). */
  private lineFreeAtMs = 0;

  constructor(
    readonly description: string,
    private readonly clock: Clock,
    private readonly opts: MemoryPairOptions,
  ) {}

  write(bytes: Uint8Array): void {
    if (!this.isOpen || bytes.length === 0) return;
    const copy = Buffer.from(bytes);
    const now = this.clock.now();
    let arriveMs = now + (this.opts.latencyMs ?? 0);
    if (this.opts.baud) {
      const start = Math.max(now, this.lineFreeAtMs);
      this.lineFreeAtMs = start + (copy.length * 10 * 1000) / this.opts.baud;
      arriveMs = this.lineFreeAtMs + (this.opts.latencyMs ?? 0);
    }
    const peer = this.peer;
    // Unpaced: deliver once the writer's synchronous work is done (deterministic, and no timer
    // per frame, which keeps virtual-time runs fast). Paced or delayed: on the clock.
    if (arriveMs <= now) queueMicrotask(() => peer.receive(copy));
    else this.clock.setTimeout(() => peer.receive(copy), arriveMs - now);
  }

  receive(bytes: Buffer): void {
    if (!this.isOpen) return;
    this.listeners.deliver(bytes);
  }

  onData(listener: (bytes: Buffer) => void): () => void {
    return this.listeners.onData(listener);
  }

  onClose(listener: (reason?: Error) => void): () => void {
    return this.listeners.onClose(listener);
  }

  /** Closing either end closes both, like pulling the cable. */
  async close(reason?: Error): Promise<void> {
    this.shut(reason);
    this.peer.shut(reason);
  }

  private shut(reason?: Error): void {
    if (!this.isOpen) return;
    this.isOpen = false;
    this.listeners.closed(reason);
  }
}

/** Returns [hostEnd, deviceEnd]. */
export function createMemoryPair(clock: Clock, opts: MemoryPairOptions = {}): [BytePort & { close(reason?: Error): Promise<void> }, BytePort & { close(reason?: Error): Promise<void> }] {
  const host = new MemoryEnd("memory:host", clock, opts);
  const device = new MemoryEnd("memory:device", clock, opts);
  host.peer = device;
  device.peer = host;
  return [host, device];
}
