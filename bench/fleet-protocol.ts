// The messages between the fleet benchmark (bench/fleet.ts, which runs the servers) and its load client
// (bench/fleet-client.ts, forked into its own process so that its CPU is not the server's). Plain JSON
// over the fork IPC channel.

/** One server process as the client sees it. */
export interface FleetNode {
  baseUrl: string;
  smtpPort: number;
}

export interface FleetPlan {
  nodes: FleetNode[];
  /** Index into `nodes` of the node SMTP delivers to (mail goes into one node). */
  smtpNode: number;
  accounts: string[];
  password: string;
  devices: number;
  /** Length of the timed part. */
  seconds: number;
  /** SMTP messages per second, to random accounts. */
  smtpRate: number;
  /** Share of devices that send mail now and then (0.1 = a tenth). */
  senderShare: number;
  /** Mean seconds between two SendMails of one sending device (randomised +-50%). */
  sendEverySeconds: number;
  /** Heartbeat range of the Pings, in seconds. */
  heartbeat: readonly [number, number];
  /** Deterministic randomness, so that two runs offer the same load. */
  seed: number;
}

export type ToClient =
  | { cmd: 'enrol'; plan: FleetPlan }
  | { cmd: 'run' };

/** Counted requests and errors of one phase. */
export interface PhaseStats {
  seconds: number;
  /** Completed requests per EAS command (and 'SMTP' for delivered messages). */
  requests: Record<string, number>;
  /** Errors by kind, e.g. "Sync HTTP 500", "Ping Status 7", "SMTP 451", "Ping ECONNRESET". */
  errors: Record<string, number>;
  /** Milliseconds per Sync request, sorted. */
  syncMs: number[];
  /**
   * Per device woken by a delivery, the Ping answer (Status 2) minus the delivery's SMTP 250, sorted, in ms.
   * Negative when the answer came first: the server commits, then publishes and answers 250 at once.
   */
  wakeMs: number[];
  /** The same answers from the moment the end of DATA went out (the delivery's own time included). */
  wakeFromDataMs: number[];
  /** SMTP transaction time (MAIL to the 250 after DATA), sorted, in ms. */
  smtpMs: number[];
  /** The client's own CPU over the phase, in percent of one core. */
  clientCpu: number;
  /** Pings held at the end of the phase (sent and not yet answered). */
  heldAtEnd: number;
  /** Messages the SMTP generator was behind its schedule at the end (0 when it kept the rate). */
  smtpBacklog: number;
}

export type FromClient =
  | { kind: 'enrolled'; stats: PhaseStats }
  /** The timed part began (after every device holds its first Ping). */
  | { kind: 'started' }
  | { kind: 'done'; stats: PhaseStats }
  | { kind: 'failed'; message: string };
