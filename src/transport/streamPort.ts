// Wraps a Node duplex (serial port, TCP socket) as a BytePort: one close notification,
// however the stream ends (unplug, EIO from a vanished pty, peer hang-up, our own close).
import type { Duplex } from "node:stream";
import type { BytePort } from "../../protocols/port.ts";
import { PortListeners } from "./portListeners.ts";

export class StreamPort implements BytePort {
  private open = true;
  private readonly listeners = new PortListeners();

  constructor(
    readonly description: string,
    private readonly stream: Duplex,
    private readonly destroy: () => Promise<void>,
  ) {
    stream.on("data", (chunk: Buffer) => this.listeners.deliver(chunk));
    // A read error on a tty (EIO when the other end of a pty goes away) leaves the port
    // nominally open but dead: treat every stream error as the end of the port.
    stream.on("error", (err: Error) => this.shut(err));
    stream.on("close", () => this.shut());
    stream.on("end", () => this.shut());
  }

  get isOpen(): boolean {
    return this.open;
  }

  write(bytes: Uint8Array): void {
    if (!this.open) return;
    this.stream.write(bytes, (err) => {
      if (err) this.shut(err);
    });
  }

  onData(listener: (bytes: Buffer) => void): () => void {
    return this.listeners.onData(listener);
  }

  onClose(listener: (reason?: Error) => void): () => void {
    return this.listeners.onClose(listener);
  }

  async close(): Promise<void> {
    this.shut();
  }

  private shut(reason?: Error): void {
    if (!this.open) return;
    this.open = false;
    this.destroy().catch(() => undefined);
    this.listeners.closed(reason);
  }
}
