import { useId } from 'react';
import { Box, useTheme } from '@mui/material';
import { useLocaleState, useTranslate } from 'react-admin';
import type { HealthSample } from '../dataProvider';
import { formatLatency } from './format';

const WIDTH = 720;
const HEIGHT = 180;
const PAD = { top: 12, right: 12, bottom: 24, left: 56 };
/** More points than pixels only costs rendering time; beyond this, samples are merged per slot. */
const MAX_POINTS = 360;
const DOTS_UP_TO = 120;

interface Point {
  at: number;
  ok: boolean;
  latencyMs: number | null;
}

interface LatencyChartProps {
  /** Samples in any order; the chart sorts them. */
  samples: HealthSample[];
  from: number;
  to: number;
  /** Two samples further apart than this are not joined by a line (checks were missed). */
  gapMs: number;
}

/** Merges samples that share a slot: the worst latency, and failing if any failed. */
function downsample(points: Point[], from: number, to: number): Point[] {
  if (points.length <= MAX_POINTS) return points;
  const slotMs = (to - from) / MAX_POINTS;
  const slots = new Map<number, Point>();
  for (const point of points) {
    const slot = Math.floor((point.at - from) / slotMs);
    const merged = slots.get(slot);
    if (!merged) {
      slots.set(slot, { ...point });
      continue;
    }
    merged.ok &&= point.ok;
    if (point.latencyMs !== null) merged.latencyMs = Math.max(merged.latencyMs ?? 0, point.latencyMs);
    merged.at = point.at;
  }
  return [...slots.values()];
}

/** Rounds the axis top up to 1, 2 or 5 times a power of ten. */
function niceCeiling(value: number): number {
  if (value <= 1) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  return ([1, 2, 5, 10].map((step) => step * power).find((candidate) => candidate >= value) ?? 10 * power);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Response time of the health checks over a time window, as a small SVG line chart; failed checks in red. */
export function LatencyChart({ samples, from, to, gapMs }: LatencyChartProps) {
  const translate = useTranslate();
  const [locale] = useLocaleState();
  const theme = useTheme();
  const titleId = useId();
  const all = samples
    .map((sample) => ({ at: Date.parse(sample.at), ok: sample.ok, latencyMs: sample.latencyMs }))
    .filter((point) => point.at >= from && point.at <= to)
    .sort((a, b) => a.at - b.at);
  const latencies = all.flatMap((point) => (point.ok && point.latencyMs !== null ? [point.latencyMs] : []));
  const failed = all.filter((point) => !point.ok).length;
  const summary =
    latencies.length === 0
      ? translate('hearth.instances.health.chart_empty')
      : translate('hearth.instances.health.chart_summary', {
          median: formatLatency(median(latencies), locale),
          max: formatLatency(Math.max(...latencies), locale),
          smart_count: failed,
        });

  const points = downsample(all, from, to);
  const top = niceCeiling(Math.max(1, ...points.map((point) => point.latencyMs ?? 0)));
  const plotWidth = WIDTH - PAD.left - PAD.right;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const x = (at: number) => PAD.left + ((at - from) / Math.max(1, to - from)) * plotWidth;
  const y = (ms: number) => PAD.top + plotHeight - (Math.min(ms, top) / top) * plotHeight;

  let path = '';
  let previous: Point | undefined;
  for (const point of points) {
    if (!point.ok || point.latencyMs === null) {
      previous = undefined;
      continue;
    }
    const joined = previous !== undefined && point.at - previous.at <= gapMs;
    path += `${joined ? 'L' : 'M'}${x(point.at).toFixed(1)},${y(point.latencyMs).toFixed(1)}`;
    previous = point;
  }
  // Times in the reader's own format, as react-admin's date fields show them.
  const time = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
  // A line needs two points; while there are few, each sample is also drawn as a dot.
  const dots = points.length <= DOTS_UP_TO ? points.filter((point) => point.ok && point.latencyMs !== null) : [];
  const grid = [0, top / 2, top];
  const axis = theme.palette.text.secondary;

  return (
    <Box sx={{ width: '100%', maxWidth: WIDTH }}>
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        width="100%"
        role="img"
        aria-labelledby={titleId}
        data-testid="latency-chart"
        style={{ display: 'block', fontFamily: theme.typography.fontFamily, fontSize: 11 }}
      >
        <title id={titleId}>{summary}</title>
        {grid.map((ms) => (
          <g key={ms}>
            <line x1={PAD.left} x2={WIDTH - PAD.right} y1={y(ms)} y2={y(ms)} stroke={theme.palette.divider} />
            <text x={PAD.left - 6} y={y(ms) + 4} textAnchor="end" fill={axis}>
              {formatLatency(ms, locale)}
            </text>
          </g>
        ))}
        <text x={PAD.left} y={HEIGHT - 6} fill={axis}>
          {time.format(from)}
        </text>
        <text x={WIDTH - PAD.right} y={HEIGHT - 6} textAnchor="end" fill={axis}>
          {time.format(to)}
        </text>
        {path && <path d={path} fill="none" stroke={theme.palette.primary.main} strokeWidth={1.5} strokeLinejoin="round" />}
        {dots.map((point) => (
          <circle key={point.at} cx={x(point.at)} cy={y(point.latencyMs ?? 0)} r={2} fill={theme.palette.primary.main} />
        ))}
        {points
          .filter((point) => !point.ok)
          .map((point) => (
            <circle key={point.at} cx={x(point.at)} cy={PAD.top + plotHeight} r={3} fill={theme.palette.error.main} />
          ))}
        {latencies.length === 0 && (
          <text x={PAD.left + plotWidth / 2} y={PAD.top + plotHeight / 2} textAnchor="middle" fill={axis}>
            {translate('hearth.instances.health.chart_empty')}
          </text>
        )}
      </svg>
    </Box>
  );
}
