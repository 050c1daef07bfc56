/** The OS colour scheme (prefers-color-scheme) and the chart palette read from the CSS variables. */
import { useEffect, useState } from 'react';

export type Scheme = 'light' | 'dark';

function current(): Scheme {
  return typeof matchMedia !== 'undefined' && matchMedia('(prefers-color-scheme: dark)').matches
    ? 'dark'
    : 'light';
}

export function useScheme(): Scheme {
  const [scheme, setScheme] = useState<Scheme>(current);
  useEffect(() => {
    const mq = matchMedia('(prefers-color-scheme: dark)');
    const on = () => setScheme(current());
    mq.addEventListener('change', on);
    return () => mq.removeEventListener('change', on);
  }, []);
  return scheme;
}

export interface Palette {
  scheme: Scheme;
  text: string;
  text2: string;
  text3: string;
  border: string;
  surface: string;
  surface2: string;
  accent: string;
  accentSoft: string;
  views: string;
  carts: string;
  purchases: string;
  revenue: string;
  ok: string;
  warn: string;
  bad: string;
  crit: string;
  muted: string;
  nodata: string;
  font: string;
}

const VARS: Record<Exclude<keyof Palette, 'scheme'>, string> = {
  text: '--text',
  text2: '--text-2',
  text3: '--text-3',
  border: '--border',
  surface: '--surface',
  surface2: '--surface-2',
  accent: '--accent',
  accentSoft: '--accent-soft',
  views: '--views',
  carts: '--carts',
  purchases: '--purchases',
  revenue: '--revenue',
  ok: '--ok',
  warn: '--warn',
  bad: '--bad',
  crit: '--crit',
  muted: '--muted',
  nodata: '--nodata',
  font: '--font',
};

export function readPalette(scheme: Scheme): Palette {
  const cs = getComputedStyle(document.documentElement);
  const p = { scheme } as Palette;
  for (const [k, v] of Object.entries(VARS))
    (p as unknown as Record<string, string>)[k] = cs.getPropertyValue(v).trim();
  return p;
}

export function usePalette(): Palette {
  const scheme = useScheme();
  const [palette, setPalette] = useState<Palette>(() => readPalette(scheme));
  useEffect(() => setPalette(readPalette(scheme)), [scheme]);
  return palette;
}
