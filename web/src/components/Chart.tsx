// One ECharts panel, imported piece by piece (echarts/core) so the bundle carries only what is drawn.
import { BarChart, LineChart } from "echarts/charts";
import { GridComponent, TooltipComponent } from "echarts/components";
import * as echarts from "echarts/core";
import { CanvasRenderer } from "echarts/renderers";
import { useEffect, useRef } from "react";

echarts.use([LineChart, BarChart, GridComponent, TooltipComponent, CanvasRenderer]);

interface ChartProps {
  kind: "line" | "bar";
  labels: string[];
  values: number[];
  name: string;
  /** What the values are (the axis and the tooltip say it). */
  valueName?: string;
}

export function Chart({ kind, labels, values, name, valueName }: ChartProps) {
  const element = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!element.current) return undefined;
    const across = kind === "bar" && labels.some((label) => label.length > 12);
    const chart = echarts.init(element.current, undefined, { renderer: "canvas" });
    chart.setOption({
      // Drawn at once: an operator (and a screenshot) sees the figures, not a chart growing into them.
      animation: false,
      grid: { left: 56, right: 16, top: 32, bottom: 32, containLabel: true },
      tooltip: { trigger: "axis" },
      // Bars named in words (event names, counterparties) lie across, so every name can be read.
      ...(across
        ? {
            // Names cut to at most ~40% of the panel (the tooltip gives them whole), so the bars keep their room.
            yAxis: { type: "category", data: labels, inverse: true,
              axisLabel: { width: Math.round(element.current.clientWidth * 0.4), overflow: "truncate" } },
            xAxis: { type: "value", axisLabel: { hideOverlap: true } },
          }
        : {
            xAxis: { type: "category", data: labels },
            yAxis: { type: "value", name: valueName, nameTextStyle: { align: "left" } },
          }),
      // Points are drawn while they are few (a line of one day is otherwise invisible); bars keep a
      // readable width whether there are two or sixty.
      series: [
        {
          type: kind,
          data: values,
          name: valueName ?? name,
          itemStyle: { color: "#1f5fa8" },
          showSymbol: values.length <= 31,
          symbolSize: 7,
          barMaxWidth: 48,
          barMinWidth: 6,
          label: { show: kind === "bar" && values.length <= 12, position: across ? "right" : "top" },
        },
      ],
    });
    const resize = () => chart.resize();
    window.addEventListener("resize", resize);
    return () => {
      window.removeEventListener("resize", resize);
      chart.dispose();
    };
  }, [kind, labels, values, name, valueName]);
  return <div ref={element} className="chart" role="img" aria-label={name} />;
}
