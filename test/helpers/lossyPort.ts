// Wraps a BytePort with a misbehaving cable: each chunk (one frame, on the memory pair)
// may be lost, bit-flipped, duplicated or delayed past its successors — in both directions.
import type { Clock } from "../../protocols/clock.ts";
import type { BytePort } from "../../protocols/port.ts";

export interface Impairments {
  lossRate?: number;
  corruptRate?: number;
  duplicateRate?: number;
  /** Chance a chunk is held back by up to maxDelayMs, so later chunks overtake it. */
  reorderRate?: number;
  maxDelayMs?: number;
}

export interface ImpairmentCounts {
  lost: number;
  corrupted: number;
  duplicated: number;
  reordered: number;
}

export class LossyPort implements BytePort {
  readonly counts = { out: zero(), in: zero() };
  private readonly dataListeners = new Set<(b: Buffer) => void>();

  constructor(
    private readonly inner: BytePort,
    private readonly clock: Clock,
    private readonly random: () => number,
    private readonly imp: Impairments,
  ) {
    inner.onData((bytes) => this.impair(bytes, this.counts.in, (b) => this.deliver(b)));
  }

  get description(): string {
    return `lossy(${this.inner.description})`;
  }

  get isOpen(): boolean {
    return this.inner.isOpen;
  }

  write(bytes: Uint8Array): void {
    this.impair(Buffer.from(bytes), this.counts.out, (b) => this.inner.write(b));
  }

  onData(listener: (bytes: Buffer) => void): () => void {
    this.dataListeners.add(listener);
    return () => this.dataListeners.delete(listener);
  }

  onClose(listener: (reason?: Error) => void): () => void {
    return this.inner.onClose(listener);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  private deliver(b: Buffer): void {
    if (!this.inner.isOpen) return;
    for (const l of this.dataListeners) l(b);
  }

  private impair(bytes: Buffer, counts: ImpairmentCounts, pass: (b: Buffer) => void): void {
    const r = this.random;
    if (r() < (this.imp.lossRate ?? 0)) {
      counts.lost++;
      return;
    }
    let b = bytes;
    if (r() < (this.imp.corruptRate ?? 0)) {
      b = Buffer.from(bytes);
      const i = Math.floor(r() * b.length);
      b[i] = b[i]! ^ (1 << Math.floor(r() * 8));
      counts.corrupted++;
    }
    const copies = r() < (this.imp.duplicateRate ?? 0) ? 2 : 1;
    if (copies === 2) counts.duplicated++;
    for (let c = 0; c < copies; c++) {
      if (r() < (this.imp.reorderRate ?? 0)) {
        counts.reordered++;
        const copy = b;
        this.clock.setTimeout(() => pass(copy), 1 + r() * (this.imp.maxDelayMs ?? 30));
      } else pass(b);
    }
  }
}

function zero(): ImpairmentCounts {
  return { lost: 0, corrupted: 0, duplicated: 0, reordered: 0 };
}
