// Numbers as the panel shows them, and where they fall on a time axis.

export function fmtMs(ms) {
  if (ms === null || ms === undefined || Number.isNaN(ms)) return "–";
  if (ms >= 10000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 10) return `${Math.round(ms).toLocaleString("en-US")} ms`;
  return `${ms.toFixed(1)} ms`;
}

// Axis labels: as many decimals as the step needs, seconds once the axis is that long.
export function fmtTick(at, step) {
  if (at === 0) return "0";
  if (step >= 100 && at >= 1000) return `${+(at / 1000).toFixed(2)} s`;
  const decimals = step < 1 ? Math.ceil(-Math.log10(step)) : 0;
  const shown = at.toLocaleString("en-US", {
    minimumFractionDigits: decimals,
    maximumFractionDigits: decimals,
  });
  return `${shown} ms`;
}

export function pct(value, scale) {
  return Math.max(0, Math.min(100, (value / scale) * 100));
}

// A round step (1, 2 or 5 times a power of ten) that cuts `scale` into about `ticks` parts.
export function niceStep(scale, ticks) {
  const raw = scale / ticks;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / magnitude;
  return (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10) * magnitude;
}
