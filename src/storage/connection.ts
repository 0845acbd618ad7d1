/**
 * A connection to Redis, a single server or a Redis Cluster: REDIS_URL may name any node of a
 * cluster, which is detected at connect (INFO cluster) and then spoken to through node-redis's
 * cluster client, each command routed by its key. deltaview's layout keeps every script's keys in
 * one slot (a view's under {v:NAME}, the deployment's under {dv}), so every command has one.
 */
import { createClient, createCluster } from 'redis';

export interface RedisConnection {
  /** Sends one command (on a cluster, to the node that holds its key's slot). */
  sendCommand<T>(args: ReadonlyArray<string>): Promise<T>;
  close(): Promise<void>;
  /** REDIS_URL named a node of a Redis Cluster. */
  readonly cluster: boolean;
  /** Called after the connection was lost and made again (a single server only). */
  onReconnect(f: () => void): void;
}

export interface ConnectOptions {
  /** Commands sent while disconnected fail at once instead of waiting for the reconnect. */
  readonly failWhileDisconnected: boolean;
  /** Names the connection in logged errors. */
  readonly name: string;
}

const reconnectStrategy = (retries: number) => Math.min(50 * 2 ** retries, 2000);

export async function connectRedis(url: string, log: (m: string) => void, opts: ConnectOptions): Promise<RedisConnection> {
  // RESP 2: flat arrays for HGETALL and script replies, the form the Lua scripts return
  const common = { RESP: 2 as const, disableOfflineQueue: opts.failWhileDisconnected, commandOptions: { timeout: 0 } };
  const client = createClient({ url, ...common, socket: { reconnectStrategy } });
  client.on('error', (err: Error) => log(`redis${opts.name}: ${err.message}`));
  await client.connect();
  const info = await client.sendCommand<string>(['INFO', 'cluster']);
  if (!/^cluster_enabled:1/m.test(info)) {
    return {
      sendCommand: <T>(args: ReadonlyArray<string>) => client.sendCommand<T>(args),
      close: () => client.close(),
      cluster: false,
      onReconnect: (f) => void client.on('ready', f),
    };
  }
  await client.close();
  const u = new URL(url);
  const cluster = createCluster({
    rootNodes: [{ url }],
    // what every node connection needs (the cluster's nodes are found from the first one)
    defaults: {
      ...common,
      ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
      ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
      socket: { reconnectStrategy },
    },
    RESP: 2,
  });
  cluster.on('error', (err: Error) => log(`redis cluster${opts.name}: ${err.message}`));
  await cluster.connect();
  log(`redis: ${url} is a node of a Redis Cluster; commands go to the node of their key's slot`);
  return {
    sendCommand: <T>(args: ReadonlyArray<string>) => cluster.sendCommand<T>(routingKey(args), false, [...args]),
    close: () => cluster.close(),
    cluster: true,
    onReconnect: () => {},
  };
}

/** The key whose slot a command goes to (undefined: any node). */
function routingKey(args: ReadonlyArray<string>): string | undefined {
  const cmd = args[0]!.toUpperCase();
  if (cmd === 'EVAL' || cmd === 'EVALSHA') return Number(args[2]) > 0 ? args[3] : undefined;
  if (cmd === 'XREAD') return args[args.findIndex((a) => a.toUpperCase() === 'STREAMS') + 1];
  if (cmd === 'SCRIPT' || cmd === 'INFO' || cmd === 'PING' || cmd === 'TIME') return undefined;
  return args[1];
}
