/**
 * The subscriber side of bench/fanout.ts, in a process of its own: opens N
 * WebSocket subscriptions to one view, or round-robin to several (FANOUT_VIEW=a,b,…; optionally each with `tenant = k`),
 * says `{"ready":…}` on stdout once every one has its snapshot, then records,
 * for every diff it receives, the time since the row's `sent` stamp (µs since
 * the epoch, written by the load generator just before its INSERT). On a
 * `report` line on stdin it prints the latency percentiles and exits; a `reset` line forgets what
 * was recorded so far (the end of a warm-up).
 * Frames are not JSON-parsed: a regex finds the stamps, so the measuring side
 * costs as little as it can.
 */
import { createInterface } from 'node:readline';
import WebSocket from 'ws';

const url = process.env.FANOUT_URL!;
const views = process.env.FANOUT_VIEW!.split(',');
const n = Number(process.env.FANOUT_N);
const filtered = process.env.FANOUT_FILTER === 'tenant';
const nowUs = () => (performance.timeOrigin + performance.now()) * 1000;

let ready = 0;
let received = 0;
const lat: number[] = [];
const sockets: WebSocket[] = [];
const started = performance.now();

function open(i: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const q = filtered ? `?where=${encodeURIComponent(`tenant = ${i}`)}` : '';
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/v1/views/${views[i % views.length]}/subscribe${q}`, { perMessageDeflate: false });
    sockets.push(ws);
    let isReady = false;
    ws.on('message', (data) => {
      const text = data.toString();
      if (!isReady) {
        if (text.startsWith('{"type":"ready"')) {
          isReady = true;
          ready++;
          resolve();
        }
        return;
      }
      if (!text.startsWith('{"type":"diff"')) return;
      const t = nowUs();
      received++;
      for (const m of text.matchAll(/"op":"insert"[^}]*"sent":(\d+)/g)) lat.push((t - Number(m[1])) / 1000);
    });
    ws.on('error', reject);
  });
}

// connect in waves, so that the server is not asked for thousands of snapshots at once
for (let i = 0; i < n; i += 250) await Promise.all(Array.from({ length: Math.min(250, n - i) }, (_, j) => open(i + j)));
process.stdout.write(`${JSON.stringify({ ready, connectMs: Math.round(performance.now() - started) })}\n`);

createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() === 'reset') {
    lat.length = 0;
    received = 0;
    return;
  }
  if (line.trim() !== 'report') return;
  lat.sort((a, b) => a - b);
  const at = (q: number) => (lat.length === 0 ? null : Number(lat[Math.min(lat.length - 1, Math.floor(lat.length * q))]!.toFixed(2)));
  process.stdout.write(`${JSON.stringify({ deliveries: lat.length, frames: received, p50: at(0.5), p99: at(0.99), max: at(1) })}\n`);
  for (const ws of sockets) ws.terminate();
  process.exit(0);
});
