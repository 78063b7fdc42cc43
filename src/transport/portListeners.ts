// The listener bookkeeping every BytePort needs: data subscribers, and close subscribers told
// exactly once, after which nothing more is delivered.
export class PortListeners {
  private readonly data = new Set<(b: Buffer) => void>();
  private readonly close = new Set<(e?: Error) => void>();

  onData(listener: (bytes: Buffer) => void): () => void {
    this.data.add(listener);
    return () => this.data.delete(listener);
  }

  onClose(listener: (reason?: Error) => void): () => void {
    this.close.add(listener);
    return () => this.close.delete(listener);
  }

  deliver(bytes: Buffer): void {
    for (const l of this.data) l(bytes);
  }

  /** Tells every close listener once, then forgets all listeners. */
  closed(reason?: Error): void {
    for (const l of this.close) l(reason);
    this.close.clear();
    this.data.clear();
  }
}
