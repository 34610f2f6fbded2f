// The load client of the fleet benchmark, in its own process (forked by bench/fleet.ts). On 'enrol' every
// device does FolderSync and the initial Sync of its three folders (32 at a time, not timed). On 'run'
// every device holds a Ping; then, for the planned seconds: mail arrives over SMTP at the planned rate to
// random accounts (a few persistent connections, RFC 5321 transactions), a woken device Syncs what its
// Ping named and Pings again, and a tenth of the devices send mail now and then. Reports its own CPU.
import { dotStuff, SmtpClient, type Reply } from '../test/helpers/smtp-client.js';
import { agentFor, Device, FleetError, type Wake } from './fleet-device.js';
import type { FleetPlan, FromClient, ToClient } from './fleet-protocol.js';
import { seeded, Stats } from './fleet-stats.js';

/** As a sending MTA does under load: several connections, so that one slow transaction does not hold the rate back. */
const SMTP_CONNECTIONS = 8;

const send = (m: FromClient): void => {
  process.send?.(m);
};

/** Sends the message and resolves once it is written: exiting before that would lose it. */
const sendAndFlush = (m: FromClient): Promise<void> => new Promise((resolve) => {
  if (!process.send) resolve();
  else process.send(m, undefined, {}, () => resolve());
});

const errorKind = (e: unknown): string => (e instanceof FleetError ? e.kind : `unexpected ${e instanceof Error ? e.message : String(e)}`);

async function pool<T>(items: readonly T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

/** A small text message, a little different each time so that nothing deduplicates. */
function message(n: number, from: string, to: string, size: number): Buffer {
  const head = `From: ${from}\r\nTo: ${to}\r\nSubject: fleet message ${n}\r\nMessage-ID: <fleet-${n}-${Date.now()}@remote.test>\r\n`
    + `Date: ${new Date().toUTCString()}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n`;
  const line = `Message ${n}: lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do.\r\n`;
  return Buffer.from(head + line.repeat(Math.max(1, Math.round(size / line.length))), 'utf8');
}

class FleetClient {
  private readonly devices: Device[];
  private readonly byAccount = new Map<string, Device[]>();
  private readonly random: () => number;
  private readonly ref: { current: Stats | null } = { current: null };
  private running = false;
  private smtpSent = 0;
  private smtpBacklog = 0;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly plan: FleetPlan) {
    this.random = seeded(plan.seed);
    const agents = plan.nodes.map(() => agentFor());
    const [lo, hi] = plan.heartbeat;
    this.devices = Array.from({ length: plan.devices }, (_, i) => {
      const account = plan.accounts[i % plan.accounts.length]!;
      // Device i is the (i / accounts)th device of its account: the 1st and 2nd are 14.1, the 3rd and 4th
      // 16.1, and with two nodes the 1st and 3rd are on node 1, the 2nd and 4th on node 2, so that an
      // account has both versions on both nodes and a wake crosses processes.
      const nth = Math.floor(i / plan.accounts.length);
      const node = nth % plan.nodes.length;
      const d = new Device({
        account, password: plan.password, deviceId: `fleet${i}`, version: Math.floor(nth / 2) % 2 === 0 ? '14.1' : '16.1',
        node: plan.nodes[node]!, agent: agents[node]!,
        heartbeat: Math.round(lo + this.random() * (hi - lo)),
      });
      this.byAccount.set(account, [...(this.byAccount.get(account) ?? []), d]);
      return d;
    });
  }

  async enrol(): Promise<void> {
    const stats = new Stats();
    await pool(this.devices, 32, async (d) => {
      try {
        await d.folderSync({ current: stats });
        await d.sync({ current: stats });
      } catch (e) {
        stats.error(errorKind(e));
      }
    });
    send({ kind: 'enrolled', stats: stats.finish(0, 0) });
  }

  /** Ping, and on each answer what a phone does next, until the run ends. */
  private cycle(d: Device): void {
    if (!this.running) return;
    d.pingSentAt = performance.now();
    d.ping(this.ref).then(async ({ status, folders }) => {
      const w = d.wake;
      d.pingSentAt = undefined;
      d.wake = undefined;
      if (!this.running) return;
      if (status === 2) {
        if (w) {
          w.answered = performance.now();
          // The 250 may still be on its way: then the SMTP side records the wake when it comes.
          if (w.accepted !== undefined) this.ref.current?.wake({ sent: w.sent, accepted: w.accepted, answered: w.answered });
        }
        await d.sync(this.ref, folders);
      } else if (status !== 1) throw new FleetError(`Ping Status ${status}`);
      this.cycle(d);
    }).catch((e: unknown) => {
      d.pingSentAt = undefined;
      d.wake = undefined;
      if (!this.running) return;
      this.ref.current?.error(errorKind(e));
      // A phone backs off after a failure; so do we, and keep going so that every error is counted.
      this.later(5000, () => this.cycle(d));
    });
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  /** Keeps `smtpRate` messages a second going to random accounts over a few persistent connections. */
  private async smtpLoop(c: SmtpClient, started: number): Promise<void> {
    const { accounts, smtpRate } = this.plan;
    while (this.running) {
      const due = Math.floor(((performance.now() - started) / 1000) * smtpRate);
      if (this.smtpSent >= due) {
        await new Promise((r) => setTimeout(r, Math.max(1, ((this.smtpSent + 1) / smtpRate) * 1000 - (performance.now() - started))));
        continue;
      }
      const n = this.smtpSent++;
      const to = accounts[Math.floor(this.random() * accounts.length)]!;
      try {
        await this.deliver(c, n, to);
      } catch (e) {
        if (!this.running) return;
        this.ref.current?.error(errorKind(e));
        // A refused step leaves the transaction open: RSET (RFC 5321 4.1.1.5), or a new connection.
        if (c.closed) c = await this.smtpConnect();
        else await c.command('RSET');
      }
    }
  }

  /**
   * One SMTP transaction (RFC 5321 3.3) written out step by step, so that the moment the end of DATA goes
   * out is known: the devices of the account holding a Ping then get a Wake, completed by the 250 here
   * and by their Ping answer in cycle(), whichever comes last recording it.
   */
  private async deliver(c: SmtpClient, n: number, to: string): Promise<void> {
    const t0 = performance.now();
    const expect = (r: Reply, code: number, step: string): void => {
      if (r.code !== code) throw new FleetError(`SMTP ${step} ${r.code}`);
    };
    expect(await c.command('MAIL FROM:<sender@remote.test>'), 250, 'MAIL');
    expect(await c.command(`RCPT TO:<${to}>`), 250, 'RCPT');
    expect(await c.command('DATA'), 354, 'DATA');
    const body = message(n, 'Remote Sender <sender@remote.test>', to, 1000 + Math.floor(this.random() * 6000));
    const sent = performance.now();
    const waking: Array<[Device, Wake]> = [];
    for (const d of this.byAccount.get(to) ?? []) {
      if (d.pingSentAt === undefined || d.wake !== undefined) continue;
      d.wake = { sent };
      waking.push([d, d.wake]);
    }
    await c.write(Buffer.concat([dotStuff(body), Buffer.from('.\r\n')]));
    const done = await c.read();
    const accepted = performance.now();
    expect(done, 250, 'end of DATA');
    if (!this.running) return;
    this.ref.current?.count('SMTP');
    this.ref.current?.smtpMs.push(accepted - t0);
    for (const [, w] of waking) {
      w.accepted = accepted;
      if (w.answered !== undefined) this.ref.current?.wake({ sent: w.sent, accepted, answered: w.answered });
    }
  }

  private async smtpConnect(): Promise<SmtpClient> {
    const node = this.plan.nodes[this.plan.smtpNode]!;
    const c = await SmtpClient.connect(node.smtpPort);
    const hello = await c.ehlo('mx.remote.test');
    if (hello.code !== 250) throw new FleetError(`SMTP EHLO ${hello.code}`);
    return c;
  }

  /** One sending device: a SendMail to another account every `sendEverySeconds` on average. */
  private sender(d: Device, n: { i: number }, first = false): void {
    const mean = this.plan.sendEverySeconds * 1000;
    // The first send at a random point of one period, so that the senders do not start together.
    this.later(mean * (first ? this.random() : 0.5 + this.random()), () => {
      if (!this.running) return;
      const to = this.plan.accounts[Math.floor(this.random() * this.plan.accounts.length)]!;
      const id = n.i++;
      d.sendMail(this.ref, `fleet-${d.init.deviceId}-${id}`, message(id, d.init.account, to, 2000))
        .catch((e: unknown) => { if (this.running) this.ref.current?.error(errorKind(e)); })
        .finally(() => this.sender(d, n));
    });
  }

  async run(): Promise<void> {
    this.running = true;
    // Every device holds its Ping first (ramped: 250 every 100 ms, as phones do not all connect at once).
    for (const [i, d] of this.devices.entries()) {
      this.cycle(d);
      if (i % 250 === 249) await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 2000));
    const smtp = await Promise.all(Array.from({ length: SMTP_CONNECTIONS }, () => this.smtpConnect()));
    const stats = new Stats();
    this.ref.current = stats;
    send({ kind: 'started' });
    const started = performance.now();
    const loops = smtp.map((c) => this.smtpLoop(c, started));
    // Every nth device, shifted by one per round of accounts so that the senders belong to different accounts.
    const every = Math.round(1 / this.plan.senderShare);
    const senders = this.devices.filter((_, i) => (i + Math.floor(i / this.plan.accounts.length)) % every === 0);
    const counter = { i: 0 };
    for (const d of senders) this.sender(d, counter, true);
    await new Promise((r) => setTimeout(r, this.plan.seconds * 1000));
    const held = this.devices.filter((d) => d.pingSentAt !== undefined).length;
    const due = Math.floor(((performance.now() - started) / 1000) * this.plan.smtpRate);
    this.smtpBacklog = Math.max(0, due - this.smtpSent);
    const figures = stats.finish(held, this.smtpBacklog);
    this.running = false;
    this.ref.current = null;
    for (const t of this.timers) clearTimeout(t);
    await sendAndFlush({ kind: 'done', stats: figures });
    await Promise.race([Promise.all(loops), new Promise((r) => setTimeout(r, 2000))]);
    for (const c of smtp) c.socket.destroy();
    // The held Pings are abandoned: the parent stops the servers next.
    process.exit(0);
  }
}

let client: FleetClient | null = null;
process.on('message', (m: ToClient) => {
  const go = async (): Promise<void> => {
    if (m.cmd === 'enrol') {
      client = new FleetClient(m.plan);
      await client.enrol();
    } else {
      if (!client) throw new Error('run before enrol');
      await client.run();
    }
  };
  go().catch((e: unknown) => {
    void sendAndFlush({ kind: 'failed', message: e instanceof Error ? e.stack ?? e.message : String(e) }).then(() => process.exit(1));
  });
});
