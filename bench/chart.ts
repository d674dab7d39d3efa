/** The latency chart of the report: cumulative distributions as one self-contained SVG, no library. */

export interface Series {
  name: string;
  values: readonly number[];
}

const COLORS = ['#1b9e77', '#d95f02', '#7570b3', '#e7298a', '#66a61e', '#e6ab02'];

/** One panel per group: x = latency (ms, log scale), y = fraction of requests at or below it. */
export function cdfChart(title: string, panels: ReadonlyArray<{ title: string; series: readonly Series[] }>): string {
  const width = 460;
  const height = 300;
  const margin = { left: 50, right: 15, top: 40, bottom: 45 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const svg: string[] = [];
  const totalW = width * panels.length;
  svg.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${totalW}" height="${height + 30}" font-family="sans-serif" font-size="11">`);
  svg.push(`<rect width="100%" height="100%" fill="white"/><text x="10" y="18" font-size="14" font-weight="bold">${esc(title)}</text>`);
  panels.forEach((panel, pi) => {
    const ox = pi * width;
    const all = panel.series.flatMap((s) => s.values).filter((v) => v > 0);
    const lo = Math.log10(Math.max(0.01, Math.min(...all)));
    const hi = Math.log10(Math.max(...all)) + 0.05;
    const x = (v: number) => ox + margin.left + ((Math.log10(Math.max(v, 0.01)) - lo) / (hi - lo || 1)) * plotW;
    const y = (f: number) => 30 + margin.top + (1 - f) * plotH;
    svg.push(`<text x="${ox + margin.left}" y="${30 + margin.top - 8}" font-weight="bold">${esc(panel.title)}</text>`);
    svg.push(`<rect x="${ox + margin.left}" y="${30 + margin.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`);
    for (let d = Math.ceil(lo); d <= Math.floor(hi); d++) {
      for (const m of [1, 2, 5]) {
        const v = m * 10 ** d;
        if (Math.log10(v) < lo || Math.log10(v) > hi) continue;
        svg.push(`<line x1="${x(v)}" x2="${x(v)}" y1="${y(0)}" y2="${y(1)}" stroke="#eee"/><text x="${x(v)}" y="${y(0) + 14}" text-anchor="middle">${v}</text>`);
      }
    }
    for (const f of [0, 0.5, 0.9, 0.99, 1]) svg.push(`<text x="${ox + margin.left - 5}" y="${y(f) + 4}" text-anchor="end">${f}</text>`);
    svg.push(`<text x="${ox + margin.left + plotW / 2}" y="${y(0) + 30}" text-anchor="middle">latency, ms (log)</text>`);
    panel.series.forEach((s, si) => {
      const sorted = [...s.values].sort((a, b) => a - b);
      const pts = sorted.map((v, i) => `${x(v).toFixed(1)},${y((i + 1) / sorted.length).toFixed(1)}`).join(' ');
      svg.push(`<polyline fill="none" stroke="${COLORS[si % COLORS.length]}" stroke-width="1.5" points="${pts}"/>`);
      svg.push(`<text x="${ox + margin.left + 8}" y="${30 + margin.top + 14 + si * 13}" fill="${COLORS[si % COLORS.length]}">${esc(s.name)}</text>`);
    });
  });
  svg.push('</svg>');
  return svg.join('\n');
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
