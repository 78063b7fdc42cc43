// One error class for the controller, with codes in numeric bands (after zwave-js):
// 100… transport, 200… link/protocol, 300… device, 400… therapy, 500… server, 600… firmware update.
// Tests assert on codes, never on message text.

export enum ErrorCode {
  // transport
  TransportOpenFailed = 100,
  TransportClosed = 101,
  BadTransportSpec = 102,
  // link / protocol
  HandshakeFailed = 200,
  ProtocolVersionMismatch = 201,
  CommandTimeout = 202,
  CommandRejected = 203,
  LinkDown = 204,
  BadReply = 205,
  /** Not sent: the order it belonged to ended first (the command gate refused it). */
  CommandAborted = 206,
  // device
  DeviceNotReady = 300,
  DeviceFault = 301,
  /** A safety order was not confirmed by the bed's telemetry: the controller gave up on the bed. */
  DeviceNotComplying = 302,
  /** Refused: the bed is latched (emergency stop, or the controller gave up on it) until a technician releases it. */
  DeviceLatched = 303,
  /** An actuator command was acknowledged but telemetry never showed it applied. */
  CommandNotApplied = 304,
  // therapy
  InvalidProgram = 400,
  UnknownProgram = 401,
  SessionRefused = 402,
  InvalidArgument = 403,
  // server
  NotAllowedInState = 500,
  Unauthorized = 501,
  /** History can't be read or saved right now (disk full, locked, corrupt): the bed is still controlled. */
  StorageUnavailable = 502,
  // firmware update
  ImageInvalid = 600,
  ImageSignatureInvalid = 601,
  ImageWrongModel = 602,
  ImageDowngrade = 603,
  TransferFailed = 604,
}

export class BedlinkError extends Error {
  readonly code: ErrorCode;
  readonly context?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, context?: Record<string, unknown>) {
    super(message);
    this.name = "BedlinkError";
    this.code = code;
    this.context = context;
  }
}

export function isBedlinkError(err: unknown, code?: ErrorCode): err is BedlinkError {
  return err instanceof BedlinkError && (code === undefined || err.code === code);
}
