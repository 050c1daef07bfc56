/**
 * Dark-scheme checks for the e2e tests: switch the page's prefers-color-scheme (the app re-reads its palette
 * and re-colours every chart), then measure what is rendered inside a view: the cards' and tables' computed
 * colours, each chart canvas's empty corner, and each chart's tooltip, legend and axis label colours from
 * ECharts' own option (the app's chart registry). The numbers come back for assertions in the tests.
 */
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { shot } from './app-helpers.js';

export interface SchemeReport {
  /** relative luminance 0–1 of every card / KPI background in the view */
  cards: number[];
  /** of the text colour of table cells, KPI values and card titles */
  text: number[];
  /** chart canvases in the view */
  charts: number;
  /** per chart canvas: luminance of an empty corner pixel, 0 when transparent */
  chartCorners: number[];
  /** per chart (registry name): tooltip background, legend text and axis label luminances */
  chartColours: { name: string; tooltip: number | null; legend: number | null; axisLabels: number[] }[];
}

/** the few browser APIs the in-page measurement uses (the test project is type-checked without DOM types) */
interface PageEl {
  querySelectorAll(selector: string): ArrayLike<PageEl>;
  contains(other: unknown): boolean;
  appendChild(child: PageEl): void;
  remove(): void;
  style: Record<string, string>;
  width: number;
  height: number;
  getContext(kind: '2d'): {
    getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> };
  } | null;
}
interface ChartOption {
  tooltip?: { backgroundColor?: string }[];
  legend?: { textStyle?: { color?: string } }[];
  xAxis?: { show?: boolean; axisLabel?: { color?: string } }[];
  yAxis?: { show?: boolean; axisLabel?: { color?: string } }[];
}
interface PageWindow {
  document: {
    querySelector(selector: string): PageEl | null;
    createElement(tag: string): PageEl;
    body: PageEl;
  };
  getComputedStyle(el: PageEl): { color: string; backgroundColor: string };
  matchMedia(query: string): { matches: boolean };
  __funnelscope: { charts: Map<string, { getOption(): ChartOption; getDom(): unknown }> };
}

export async function setScheme(page: Page, scheme: 'light' | 'dark'): Promise<void> {
  await page.emulateMedia({ colorScheme: scheme });
  await page.waitForFunction(
    (s) =>
      (globalThis as unknown as PageWindow).matchMedia('(prefers-color-scheme: dark)').matches ===
      (s === 'dark'),
    scheme,
  );
  await page.waitForTimeout(200); // palette re-read → options re-set → ECharts frame
}

/** colours rendered inside `[data-testid=root]` */
export async function schemeReport(page: Page, root: string): Promise<SchemeReport> {
  return page.evaluate((rootId) => {
    const w = globalThis as unknown as PageWindow;
    const document = w.document;
    const getComputedStyle = (e: PageEl) => w.getComputedStyle(e);
    const lum = (css: string | undefined | null): number | null => {
      if (!css) return null;
      const probe = document.createElement('span');
      probe.style.color = css;
      document.body.appendChild(probe);
      const rgb = getComputedStyle(probe).color;
      probe.remove();
      const m = rgb.match(/[\d.]+/g);
      if (!m) return null;
      const [r, g, b, a] = m.map(Number);
      if (a === 0) return 0;
      const lin = (c: number) => {
        const s = c / 255;
        return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
      };
      return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
    };
    const el = document.querySelector(`[data-testid="${rootId}"]`);
    if (!el) throw new Error(`no [data-testid=${rootId}] on the page`);
    const cards = Array.from(el.querySelectorAll('.card, .kpi')).map(
      (e) => lum(getComputedStyle(e).backgroundColor) ?? 0,
    );
    const text = Array.from(el.querySelectorAll('table.data td, .kpi-value, .card-head h2'))
      .slice(0, 80)
      .map((e) => lum(getComputedStyle(e).color) ?? 0);
    const canvases = Array.from(el.querySelectorAll('.chart canvas'));
    const chartCorners = canvases.map((c) => {
      const ctx = c.getContext('2d');
      if (!ctx) return 0;
      const p = ctx.getImageData(c.width - 2, c.height - 2, 1, 1).data;
      return p[3] === 0 ? 0 : (lum(`rgb(${p[0]}, ${p[1]}, ${p[2]})`) ?? 0);
    });
    const charts = w.__funnelscope.charts;
    const chartColours = [...charts.entries()]
      .filter(([, c]) => el.contains(c.getDom()))
      .map(([name, c]) => {
        const o = c.getOption();
        const axes = [...(o.xAxis ?? []), ...(o.yAxis ?? [])].filter((a) => a.show !== false);
        return {
          name,
          tooltip: lum(o.tooltip?.[0]?.backgroundColor),
          legend: o.legend?.length ? lum(o.legend[0].textStyle?.color) : null,
          axisLabels: axes.map((a) => lum(a.axisLabel?.color) ?? -1),
        };
      });
    return { cards, text, charts: canvases.length, chartCorners, chartColours };
  }, root);
}

/**
 * The view under `root` in the dark scheme: a screenshot `<name>-dark`, and the report. Leaves the page
 * in the dark scheme; call setScheme(page, 'light') to go back.
 */
export async function darkShot(
  page: Page,
  root: string,
  name: string,
  fullPage = false,
): Promise<SchemeReport> {
  await setScheme(page, 'dark');
  const report = await schemeReport(page, root);
  await shot(page, `${name}-dark`, fullPage);
  return report;
}

/**
 * What the dark scheme must give: dark cards, light text, no chart painting a light background, and every
 * chart's tooltip box dark with light legend and axis labels (ECharts' defaults are a white tooltip and
 * dark-grey text, which is what an unstyled chart shows). Soft: the test goes on and lists every miss.
 */
export function expectDark(r: SchemeReport, minCharts = 0): void {
  expect.soft(r.cards.length).toBeGreaterThan(0);
  for (const c of r.cards) expect.soft(c).toBeLessThan(0.05);
  expect.soft(r.text.length).toBeGreaterThan(0);
  for (const t of r.text) expect.soft(t).toBeGreaterThan(0.15);
  expect.soft(r.charts).toBeGreaterThanOrEqual(minCharts);
  for (const c of r.chartCorners) expect.soft(c).toBeLessThan(0.05);
  for (const c of r.chartColours) {
    if (c.tooltip !== null) expect.soft(c.tooltip, `${c.name} tooltip`).toBeLessThan(0.05);
    if (c.legend !== null) expect.soft(c.legend, `${c.name} legend`).toBeGreaterThan(0.2);
    for (const a of c.axisLabels) expect.soft(a, `${c.name} axis labels`).toBeGreaterThan(0.2);
  }
}
