import type { Chart, ChartBar } from './results.js';

/** A tiny SVG writer for the benchmark charts: horizontal bars, or lines over time. No dependencies. */

const WIDTH = 640;
const FONT = 'font-family="system-ui, sans-serif" font-size="12"';
const COLOURS = ['#2f6fdb', '#d9822b', '#2e9e5b', '#a23fb5', '#c4372f', '#3aa3a8'];
const GREY = '#9aa0a6';

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function format(value: number): string {
  if (!Number.isFinite(value)) return '–';
  return value >= 1000 ? Math.round(value).toLocaleString('en-US') : String(Number(value.toPrecision(3)));
}

export function renderChart(chart: Chart): string {
  return chart.kind === 'bars' ? bars(chart, chart.bars ?? []) : lines(chart);
}

function bars(chart: Chart, items: ChartBar[]): string {
  const labelWidth = 170;
  const barHeight = 22;
  const top = 34;
  const height = top + items.length * (barHeight + 8) + 10;
  const max = Math.max(...items.map((b) => b.value).filter(Number.isFinite), 1);
  const span = WIDTH - labelWidth - 90;
  const rows = items.map((b, i) => {
    const y = top + i * (barHeight + 8);
    const w = Number.isFinite(b.value) ? Math.max(1, (b.value / max) * span) : 0;
    const fill = b.baseline ? GREY : COLOURS[0];
    return [
      `<text x="${labelWidth - 8}" y="${y + 15}" text-anchor="end" ${FONT}>${escape(b.label)}</text>`,
      `<rect x="${labelWidth}" y="${y}" width="${w.toFixed(1)}" height="${barHeight}" fill="${fill}"/>`,
      `<text x="${labelWidth + w + 6}" y="${y + 15}" ${FONT}>${format(b.value)} ${escape(chart.unit)}</text>`,
    ].join('');
  });
  return frame(chart.title, height, rows.join('\n'));
}

function lines(chart: Chart): string {
  const series = Object.entries(chart.series ?? {});
  const points = series.flatMap(([, s]) => s);
  const height = 300;
  const left = 60;
  const right = WIDTH - 150;
  const top = 34;
  const bottom = height - 40;
  const maxX = Math.max(...points.map(([x]) => x), 1);
  const maxY = Math.max(...points.map(([, y]) => y), 1) * 1.1;
  const sx = (x: number) => left + (x / maxX) * (right - left);
  const sy = (y: number) => bottom - (y / maxY) * (bottom - top);
  const axes = [
    `<line x1="${left}" y1="${bottom}" x2="${right}" y2="${bottom}" stroke="#444"/>`,
    `<line x1="${left}" y1="${top}" x2="${left}" y2="${bottom}" stroke="#444"/>`,
    `<text x="${left - 6}" y="${top + 4}" text-anchor="end" ${FONT}>${format(maxY)}</text>`,
    `<text x="${left - 6}" y="${bottom}" text-anchor="end" ${FONT}>0</text>`,
    `<text x="${right}" y="${bottom + 16}" text-anchor="end" ${FONT}>${format(maxX)}</text>`,
    `<text x="${(left + right) / 2}" y="${bottom + 30}" text-anchor="middle" ${FONT}>${escape(chart.xLabel ?? '')}</text>`,
    `<text x="14" y="${(top + bottom) / 2}" transform="rotate(-90 14 ${(top + bottom) / 2})" text-anchor="middle" ${FONT}>${escape(chart.unit)}</text>`,
  ];
  const drawn = series.map(([name, s], i) => {
    const colour = COLOURS[i % COLOURS.length];
    const path = s.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ');
    const ly = top + 4 + i * 18;
    return [
      `<polyline fill="none" stroke="${colour}" stroke-width="2" points="${path}"/>`,
      `<rect x="${right + 12}" y="${ly - 9}" width="12" height="12" fill="${colour}"/>`,
      `<text x="${right + 30}" y="${ly + 1}" ${FONT}>${escape(name)}</text>`,
    ].join('');
  });
  return frame(chart.title, height, [...axes, ...drawn].join('\n'));
}

function frame(title: string, height: number, body: string): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="20" font-family="system-ui, sans-serif" font-size="14" font-weight="bold">${escape(title)}</text>`,
    body,
    '</svg>',
    '',
  ].join('\n');
}
