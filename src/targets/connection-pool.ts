/**
 * Keep-alive connections opened ahead of a burst, per origin. A burst must not pay TCP (and TLS) handshakes
 * between its first and last send, so the gated handler takes an already-connected socket for every request.
 *
 * Opening thousands at once is its own hazard: one DNS lookup per socket, thousands of TLS handshakes
 * competing for one core until they time out, and one refused connect aborting the burst. So `warm` looks
 * the host up once, keeps at most `connectParallelism` handshakes in flight (each with its own timeout), and
 * retries a failed connect a few times before giving up.
 */
import { lookup } from 'node:dns/promises';
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
  /** Connects (TCP + TLS handshake) in flight at once while warming; default 64. */
  connectParallelism?: number;
  /** Attempts per connection while warming before the burst is refused; default 3. */
  connectAttempts?: number;
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
  private readonly connectParallelism: number;
  private readonly connectAttempts: number;
  /** Connects retried after a failure since the pool was made (a burst's notes can show it). */
  retriedConnects = 0;
  /** Sockets opened since the pool was made (reuse shows as far fewer than requests). */
  opened = 0;
  /** Idle connections to keep per origin, opened in the background as requests take them (see `keepSpare`). */
  private readonly spare = new Map<string, number>();
  private readonly toppingUp = new Set<string>();

  constructor(options: ConnectionPoolOptions = {}) {
    this.connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    this.tlsOptions = options.tls ?? {};
    this.connectParallelism = Math.max(1, options.connectParallelism ?? 64);
    this.connectAttempts = Math.max(1, options.connectAttempts ?? 3);
  }

  /** Number of idle connected sockets for `origin`. */
  idleCount(origin: Origin): number {
    return this.idle.get(originKey(origin))?.length ?? 0;
  }

  /**
   * Open connections until `count` idle ones exist for `origin`: one DNS lookup, at most `connectParallelism`
   * connects at once, each retried up to `connectAttempts` times. Rejects with the last error of a connection
   * that failed every attempt (nothing is sent then: the burst has not been released).
   */
  async warm(origin: Origin, count: number): Promise<void> {
    let missing = count - this.idleCount(origin);
    if (missing <= 0) return;
    const address = await this.resolve(origin);
    let failure: unknown;
    const worker = async (): Promise<void> => {
      while (missing > 0 && failure === undefined && !this.closed) {
        missing -= 1;
        try {
          this.release(origin, await this.connectWithRetries(origin, address));
        } catch (error) {
          failure = error;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.connectParallelism, missing) }, worker));
    if (failure !== undefined) throw failure;
  }

  /** One lookup for every connection of a warm-up; an IP literal needs none. */
  private async resolve(origin: Origin): Promise<string> {
    if (net.isIP(origin.hostname)) return origin.hostname;
    const found = await lookup(origin.hostname);
    return found.address;
  }

  private async connectWithRetries(origin: Origin, address: string): Promise<net.Socket> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.connect(origin, address);
      } catch (error) {
        if (attempt >= this.connectAttempts || this.closed) throw error;
        this.retriedConnects += 1;
        // A short pause so a listener whose backlog overflowed can drain it.
        await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
      }
    }
  }

  /**
   * Keep `count` idle connections to `origin` from now on: whenever a request takes one and fewer remain, more
   * are opened in the background. A load at a steady rate then finds a connected socket for each arrival (the
   * one a finished response gave back, or a spare) instead of connecting between its due time and its write.
   * Returns false when that many were asked for already.
   */
  keepSpare(origin: Origin, count: number): boolean {
    const key = originKey(origin);
    if (this.spare.get(key) === count) return false;
    this.spare.set(key, count);
    return true;
  }

  /** An idle socket for `origin`, or a new (still connecting) one when none is idle. */
  take(origin: Origin): net.Socket {
    const list = this.idle.get(originKey(origin));
    let socket: net.Socket | undefined;
    while (list && list.length > 0 && socket === undefined) {
      const candidate = list.pop();
      if (candidate && !candidate.destroyed && candidate.writable) socket = candidate;
    }
    if (socket) socket.ref();
    else socket = this.open(origin);
    this.topUp(origin);
    return socket;
  }

  /** Open spares in the background when fewer than asked for are idle (one warm-up at a time per origin). */
  private topUp(origin: Origin): void {
    const key = originKey(origin);
    const wanted = this.spare.get(key);
    if (wanted === undefined || this.toppingUp.has(key) || this.closed || this.idleCount(origin) >= wanted) return;
    this.toppingUp.add(key);
    // A failed connect is not this request's: the next request that finds no idle socket connects itself.
    this.warm(origin, wanted).then(
      () => this.toppingUp.delete(key),
      () => this.toppingUp.delete(key),
    );
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

  private connect(origin: Origin, address: string): Promise<net.Socket> {
    return new Promise((resolve, reject) => {
      const socket = this.open(origin, address);
      const event = origin.protocol === 'https:' ? 'secureConnect' : 'connect';
      const timer = setTimeout(() => {
        socket.destroy();
        reject(Object.assign(new Error(`connect to ${originKey(origin)} timed out`), { code: 'ETIMEDOUT' }));
      }, this.connectTimeoutMs);
      const onError = (error: Error): void => {
        clearTimeout(timer);
        socket.destroy();
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

  /** A new socket to `origin`, at `address` when it was looked up already (TLS still verifies the host name). */
  private open(origin: Origin, address = origin.hostname): net.Socket {
    const servername = net.isIP(origin.hostname) ? '' : origin.hostname;
    const socket =
      origin.protocol === 'https:'
        ? tls.connect({ ...this.tlsOptions, host: address, port: origin.port, servername, ALPNProtocols: ['http/1.1'] })
        : net.connect({ host: address, port: origin.port });
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 1000);
    this.all.add(socket);
    this.opened += 1;
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
