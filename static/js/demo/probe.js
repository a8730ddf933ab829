// The loop-lag probe: pings the probe endpoint one request after another while a variant runs.
// The probe view answers at once unless something is holding the event loop, so its round trip
// is what any other user of this server would have waited.

const PROBE_EVERY_MS = 100;
const PROBE_TIMEOUT_MS = 10000;
// A probe (or a loop-lag sample) slower than this means the event loop was busy with something
// else: half of what one request of the demo takes alone, so a noisy machine's few tens of
// milliseconds don't read as a stall; 50 ms where the demo declares no such time.
export function stallMs(result) {
  const one = result?.expected?.one_ms;
  return one ? Math.max(20, one / 2) : 50;
}

export function startProbe(url, origin, signal) {
  const samples = [];
  const stopping = new AbortController();
  let wake = null;
  const ping = async () => {
    try {
      const response = await fetch(url, {
        signal: AbortSignal.any([signal, AbortSignal.timeout(PROBE_TIMEOUT_MS)]),
        cache: "no-store",
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      await response.arrayBuffer();
      return response.ok;
    } catch {
      return false;
    }
  };
  const loop = (async () => {
    while (!stopping.signal.aborted && !signal.aborted) {
      const sent = performance.now();
      const ok = await ping();
      if (!ok && signal.aborted) break;
      samples.push({ start: sent - origin, end: performance.now() - origin, ok });
      const rest = PROBE_EVERY_MS - (performance.now() - sent);
      if (!stopping.signal.aborted && rest > 0) {
        await new Promise((resolve) => {
          wake = resolve;
          setTimeout(resolve, rest);
        });
      }
    }
  })();
  return {
    // Waits for the probe in flight: the one that was stuck is the one worth reporting.
    async stop() {
      stopping.abort();
      wake?.();
      await loop;
      const trips = samples.filter((s) => s.ok).map((s) => s.end - s.start);
      return {
        samples,
        count: trips.length,
        worst_ms: trips.length ? Math.max(...trips) : null,
      };
    },
  };
}
