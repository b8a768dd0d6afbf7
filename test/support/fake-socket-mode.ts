import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import type { FakeSlack } from './fake-slack.js';

export interface SocketAck {
  envelope_id: string;
  payload?: unknown;
  /** performance.now() when the ack arrived */
  at: number;
}

/**
 * Slack's Socket Mode server on loopback: answers `apps.connections.open` on the fake Slack with
 * its own ws:// URL, says hello to each connection, delivers envelopes and collects their acks.
 */
export class FakeSocketMode {
  readonly acks: SocketAck[] = [];
  private socket: WebSocket | undefined;
  private readonly waiting = new Map<string, (ack: SocketAck) => void>();

  private constructor(
    private readonly server: WebSocketServer,
    readonly url: string,
  ) {
    server.on('connection', (socket) => {
      this.socket = socket;
      socket.on('message', (data) => {
        const ack = { ...(JSON.parse(String(data)) as Omit<SocketAck, 'at'>), at: performance.now() };
        this.acks.push(ack);
        this.waiting.get(ack.envelope_id)?.(ack);
      });
      socket.send(
        JSON.stringify({
          type: 'hello',
          num_connections: 1,
          debug_info: { host: 'fake', approximate_connection_time: 3600 },
          connection_info: { app_id: 'A1' },
        }),
      );
    });
  }

  static async start(slack: FakeSlack): Promise<FakeSocketMode> {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/link`;
    slack.on('apps.connections.open', () => ({ ok: true, url }));
    return new FakeSocketMode(server, url);
  }

  get connected(): boolean {
    return this.socket?.readyState === 1;
  }

  /** Sends one envelope (`events_api`, `slash_commands`, `interactive`) and resolves with the app's ack. */
  deliver(type: string, payload: unknown, timeoutMs = 5000): Promise<SocketAck> {
    const socket = this.socket;
    if (socket === undefined) return Promise.reject(new Error('fake Socket Mode: the app is not connected'));
    const envelope_id = randomUUID();
    return new Promise<SocketAck>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`fake Socket Mode: no ack for ${type} in ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.waiting.set(envelope_id, (ack) => {
        clearTimeout(timer);
        resolve(ack);
      });
      socket.send(
        JSON.stringify({
          envelope_id,
          type,
          payload,
          accepts_response_payload: type !== 'events_api',
          retry_attempt: 0,
          retry_reason: '',
        }),
      );
    });
  }

  async close(): Promise<void> {
    for (const client of this.server.clients) client.terminate();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
