/**
 * Chart: one uPlot chart that follows its container's width (ResizeObserver), redrawn when its data
 * changes, destroyed with the component. Colours come from the console's CSS variables, so charts
 * follow the light and dark themes. Only the timeline page imports this (a lazy chunk).
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { useEffect, useRef } from 'preact/hooks';

/** cssColour reads a CSS custom property of the page (`--tu-warn`), for series colours. */
export function cssColour(name: string, fallback: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}

/** Chart draws `data` with `options` (width is the container's); label is its accessible name. */
export function Chart(props: {
  options: Omit<uPlot.Options, 'width'>;
  data: uPlot.AlignedData;
  label: string;
  testid?: string;
}) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const width = () => Math.max(240, Math.floor(el.getBoundingClientRect().width));
    plot.current = new uPlot({ ...props.options, width: width() }, props.data, el);
    const resize = new ResizeObserver(() =>
      plot.current?.setSize({ width: width(), height: props.options.height }),
    );
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.current?.destroy();
      plot.current = undefined;
    };
  }, [props.options, props.data]);
  return <div ref={box} class="chart" role="img" aria-label={props.label} data-testid={props.testid} />;
}
