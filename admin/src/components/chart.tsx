import { useEffect, useRef } from 'react';
import uPlot, { type AlignedData, type Options } from 'uplot';
import 'uplot/dist/uPlot.min.css';

/** One line (or bar) series of a chart: its label and a value per bucket. */
export interface Series {
  readonly label: string;
  readonly values: readonly number[];
}

/** Colours that stay apart for the common kinds of colour blindness (Okabe-Ito). */
const COLOURS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000'];
const HEIGHT_PX = 220;

function options(width: number, series: readonly Series[], bars: boolean): Options {
  return {
    width,
    height: HEIGHT_PX,
    legend: { show: true },
    scales: { x: { time: true } },
    axes: [{}, { size: 70 }],
    series: [
      {},
      ...series.map((s, i) => ({
        label: s.label,
        stroke: COLOURS[i % COLOURS.length],
        width: 2,
        points: { show: true, size: 5 },
        ...(bars
          ? {
              paths: uPlot.paths.bars?.({ size: [0.6, 40] }),
              fill: `${COLOURS[i % COLOURS.length]}55`,
            }
          : {}),
      })),
    ],
  };
}

/**
 * A time chart over the report's buckets (UTC days). The figures it plots are also given
 * in words by the caller (a table or a summary): a chart is not the only way to read them.
 */
export function TimeChart(props: {
  days: readonly string[];
  series: readonly Series[];
  label: string;
  bars?: boolean;
}) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = box.current;
    if (element === null) return;
    const x = props.days.map((day) => Date.parse(`${day}T00:00:00Z`) / 1000);
    const data = [x, ...props.series.map((s) => [...s.values])] as AlignedData;
    const plot = new uPlot(
      options(element.clientWidth, props.series, props.bars ?? false),
      data,
      element,
    );
    const resize = new ResizeObserver(() =>
      plot.setSize({ width: element.clientWidth, height: HEIGHT_PX }),
    );
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [props.days, props.series, props.bars]);
  return <div className="chart" ref={box} role="img" aria-label={props.label} />;
}
