/**
 * Keep-alive connections opened ahead of a burst, per origin. A burst must not pay TCP (and TLS) handshakes
 * between its first and last send, so the gated handler takes an already-connected socket for every request.
 */
import net from 'node:net';
import tls from 'node:tls';

/** Where connections go: protocol, host and port of one endpoint. */
export interface Origin {
  protocol: 'http:' | 'https:';
  hostname: string;
  port: number;
}

/** Options of a pool: how long a connection attempt may take (ms), and extra TLS trust (tests, corporate CAs). */
export interface ConnectionPoolOptions {
  connectTimeoutMs?: number;
  tls?: Pick<tls.ConnectionOptions, 'ca'>;
}

/** Pool key of an origin, e.g. `https://lambda.eu-west-1.amazonaws.com:443`. */
export function originKey(origin: Origin): string {
  return `${origin.protocol}//${origin.hostname}:${origin.port}`;
}

/** A pool of idle, connected sockets per origin; sockets come back after a keep-alive response. */
export class ConnectionPool {
  private readonly idle = new Map<string, net.Socket[]>();
  private readonly all = new Set<net.Socket>();
  private closed = false;
  private readonly connectTimeoutMs: number;
  private readonly tlsOptions: Pick<tls.ConnectionOptions, 'ca'>;

  constructor(options: ConnectionPoolOptions = {}) {
    this.connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    this.tlsOptions = options.tls ?? {};
  }

  /** Number of idle connected sockets for `origin`. */
  idleCount(origin: Origin): number {
    return this.idle.get(originKey(origin))?.length ?? 0;
  }

  /** Open connections until `count` idle ones exist for `origin`; rejects with the first connect error. */
  async warm(origin: Origin, count: number): Promise<void> {
    const missing = count - this.idleCount(origin);
    if (missing <= 0) return;
    const opened = await Promise.allSettled(Array.from({ length: missing }, () => this.connect(origin)));
    const failed = opened.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    for (const r of opened) if (r.status === 'fulfilled') this.release(origin, r.value);
    if (failed) throw failed.reason;
  }

  /** An idle socket for `origin`, or a new (still connecting) one when none is idle. */
  take(origin: Origin): net.Socket {
    const list = this.idle.get(originKey(origin));
    while (list && list.length > 0) {
      const socket = list.pop();
      if (socket && !socket.destroyed && socket.writable) {
        socket.ref();
        return socket;
      }
    }
    return this.open(origin);
  }

  /** Give a socket back after a keep-alive response; destroyed sockets are dropped. */
  release(origin: Origin, socket: net.Socket): void {
    if (this.closed || socket.destroyed || !socket.writable) {
      socket.destroy();
      return;
    }
    // An idle keep-alive socket must not keep the process alive on its own.
    socket.unref();
    const key = originKey(origin);
    const list = this.idle.get(key) ?? [];
    if (!list.includes(socket)) list.push(socket);
    this.idle.set(key, list);
  }

  /** Destroy every socket the pool ever opened. */
  close(): void {
    this.closed = true;
    for (const socket of this.all) socket.destroy();
    this.all.clear();
    this.idle.clear();
  }

  private connect(origin: Origin): Promise<net.Socket> {
    return new Promise((resolve, reject) => {
      const socket = this.open(origin);
      const event = origin.protocol === 'https:' ? 'secureConnect' : 'connect';
      const timer = setTimeout(() => {
        socket.destroy();
        reject(Object.assign(new Error(`connect to ${originKey(origin)} timed out`), { code: 'ETIMEDOUT' }));
      }, this.connectTimeoutMs);
      const onError = (error: Error): void => {
        clearTimeout(timer);
        reject(error);
      };
      socket.once('error', onError);
      socket.once(event, () => {
        clearTimeout(timer);
        socket.off('error', onError);
        resolve(socket);
      });
    });
  }

  private open(origin: Origin): net.Socket {
    const socket =
      origin.protocol === 'https:'
        ? tls.connect({ ...this.tlsOptions, host: origin.hostname, port: origin.port, servername: net.isIP(origin.hostname) ? '' : origin.hostname, ALPNProtocols: ['http/1.1'] })
        : net.connect({ host: origin.hostname, port: origin.port });
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 1000);
    this.all.add(socket);
    // Errors on an idle socket (server closed it) are expected; a request in flight gets its own listener.
    socket.on('error', () => undefined);
    // node's http client emits 'free' on a socket whose keep-alive response has ended.
    socket.on('free', () => this.release(origin, socket));
    socket.once('close', () => {
      this.all.delete(socket);
      const list = this.idle.get(originKey(origin));
      if (list) {
        const at = list.indexOf(socket);
        if (at >= 0) list.splice(at, 1);
      }
    });
    return socket;
  }
}
