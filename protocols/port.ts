// The byte pipe both ends of the link sit on: a serial port, a TCP socket, an in-memory
// pair. The controller's transports and the simulator's front end both implement it.

export interface BytePort {
  /** Human-readable name: "/dev/ttyUSB0 @ 115200", "tcp://127.0.0.1:7000", "memory:host". */
  readonly description: string;
  readonly isOpen: boolean;
  /** Queue bytes for the peer. Never throws; bytes written after close are dropped. */
  write(bytes: Uint8Array): void;
  /** Received bytes, in order. Returns an unsubscribe function. */
  onData(listener: (bytes: Buffer) => void): () => void;
  /** Called once when the port closes: unplugged, peer gone, or close() called. */
  onClose(listener: (reason?: Error) => void): () => void;
  close(): Promise<void>;
}
