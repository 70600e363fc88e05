// One ECharts panel, imported piece by piece (echarts/core) so the bundle carries only what is drawn.
import { BarChart, LineChart } from "echarts/charts";
import { GridComponent, TooltipComponent } from "echarts/components";
import * as echarts from "echarts/core";
import { CanvasRenderer } from "echarts/renderers";
import { useEffect, useRef } from "react";

echarts.use([LineChart, BarChart, GridComponent, TooltipComponent, CanvasRenderer]);

export function Chart({ kind, labels, values, name }: { kind: "line" | "bar"; labels: string[]; values: number[]; name: string }) {
  const element = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!element.current) return undefined;
    const chart = echarts.init(element.current, undefined, { renderer: "canvas" });
    chart.setOption({
      grid: { left: 48, right: 16, top: 16, bottom: 32 },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: labels },
      yAxis: { type: "value" },
      series: [{ type: kind, data: values, name, itemStyle: { color: "#1f5fa8" } }],
    });
    const resize = () => chart.resize();
    window.addEventListener("resize", resize);
    return () => {
      window.removeEventListener("resize", resize);
      chart.dispose();
    };
  }, [kind, labels, values, name]);
  return <div ref={element} className="chart" role="img" aria-label={name} />;
}
