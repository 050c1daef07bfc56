/** The shell: left navigation (views + shortcuts 1–8 / Ctrl+1–8), top bar with the active period, status bar. */
import { useEffect, useState } from 'react';
import { useApp, useServices } from './app/context.js';
import { VIEWS, type ViewId } from './state/store.js';
import { displayDimension, fmtDuration, fmtPeriod } from './lib/format.js';
import { DataView } from './views/DataView.js';
import { OverviewView } from './views/OverviewView.js';
import { FunnelView } from './views/FunnelView.js';
import { RootCauseView } from './views/RootCauseView.js';
import { CalendarView } from './views/CalendarView.js';
import { ScanView } from './views/ScanView.js';
import { BusinessView } from './views/BusinessView.js';
import { LiveView } from './views/LiveView.js';
import { ExportReportStatus } from './components/ExportReport.js';

const ICONS: Record<ViewId, string> = {
  data: 'M4 6c0-1.1 3.6-2 8-2s8 .9 8 2-3.6 2-8 2-8-.9-8-2zm0 0v12c0 1.1 3.6 2 8 2s8-.9 8-2V6M4 12c0 1.1 3.6 2 8 2s8-.9 8-2',
  overview: 'M4 19h16M7 16V10m5 6V6m5 10v-4',
  funnel: 'M4 5h16l-6 7v6l-4 2v-8L4 5z',
  rootcause: 'M11 4a7 7 0 1 0 0 14 7 7 0 0 0 0-14zm9 16-4-4',
  calendar: 'M5 6h14v14H5zM5 10h14M9 4v4m6-4v4',
  scan: 'M4 4h4v4H4zm6 0h4v4h-4zm6 0h4v4h-4zM4 10h4v4H4zm6 0h4v4h-4zM4 16h4v4H4zm12-6h4v4h-4zm-6 6h4v4h-4zm6 0h4v4h-4z',
  business: 'M4 7h16v12H4zM9 7V5h6v2M4 12h16',
  live: 'M12 12m-2 0a2 2 0 1 0 4 0 2 2 0 1 0-4 0M7.8 7.8a6 6 0 0 0 0 8.4m8.4 0a6 6 0 0 0 0-8.4M5 5a10 10 0 0 0 0 14m14 0a10 10 0 0 0 0-14',
};

function NavIcon({ id }: { id: ViewId }) {
  return (
    <svg
      className="nav-icon"
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth="1.8"
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
    >
      <path d={ICONS[id]} />
    </svg>
  );
}

const isMac = typeof navigator !== 'undefined' && /Mac/.test(navigator.platform);

export function App() {
  const view = useApp((s) => s.view);
  const setView = useApp((s) => s.setView);
  const dataset = useApp((s) => s.dataset);
  const period = useApp((s) => s.period);
  const setPeriod = useApp((s) => s.setPeriod);
  const comparison = useApp((s) => s.comparison);
  const { worker } = useServices();
  const [engine, setEngine] = useState(worker.info);
  useEffect(() => {
    void worker.ready().then(setEngine, () => undefined);
  }, [worker]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement | null;
      const typing =
        t &&
        (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT' || t.isContentEditable);
      const mod = e.ctrlKey || e.metaKey;
      if (e.altKey || (typing && !mod)) return;
      const v = VIEWS.find((x) => x.key === e.key);
      if (v) {
        e.preventDefault();
        setView(v.id);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [setView]);

  const meta = VIEWS.find((v) => v.id === view)!;
  const ready = dataset.status === 'ready' || (dataset.summary !== null && dataset.status !== 'error');
  const name = dataset.opened
    ? dataset.opened.sample
      ? 'Sample dataset'
      : dataset.opened.folder.split(/[\\/]/).filter(Boolean).pop()
    : null;
  const last = worker.timings[worker.timings.length - 1];

  return (
    <div className="app">
      <nav className="nav" aria-label="Views">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true">
            ▾
          </span>
          Funnelscope
        </div>
        {VIEWS.map((v) => (
          <button
            key={v.id}
            type="button"
            className="nav-item"
            aria-current={view === v.id ? 'page' : undefined}
            onClick={() => setView(v.id)}
            title={`${v.hint} (${v.key} or ${isMac ? '⌘' : 'Ctrl'}+${v.key})`}
            data-testid={`nav-${v.id}`}
          >
            <NavIcon id={v.id} />
            <span className="nav-label">{v.label}</span>
            <span className="kbd">{v.key}</span>
          </button>
        ))}
        {name && (
          <>
            <div className="nav-section">Dataset</div>
            <div className="nav-dataset" data-testid="nav-dataset">
              <strong>{name}</strong>
              {dataset.summary ? fmtPeriod(dataset.summary.range) : dataset.opened?.folder}
            </div>
          </>
        )}
        <div className="nav-footer">Everything runs on this machine. Keys 1–8 switch views.</div>
      </nav>
      <div className="main">
        <header className="topbar">
          <div>
            <h1>{meta.label}</h1>
            <div className="sub">{meta.hint}</div>
          </div>
          <span className="spacer" />
          {ready && view !== 'data' && (
            <>
              {period ? (
                <span className="chip accent" data-testid="period-chip">
                  Period <strong>{fmtPeriod(period)}</strong>
                  <button
                    type="button"
                    aria-label="Clear the period"
                    title="Clear the period"
                    onClick={() => setPeriod(null)}
                  >
                    ×
                  </button>
                </span>
              ) : (
                <span className="chip">All dates · brush the Overview chart to set a period</span>
              )}
              {comparison && (view === 'funnel' || view === 'rootcause') && (
                <span className="chip">
                  Baseline <strong>{fmtPeriod(comparison.baseline)}</strong>
                </span>
              )}
            </>
          )}
        </header>
        <main className="content" data-testid={`view-${view}`}>
          {view === 'data' && <DataView />}
          {view === 'overview' && <OverviewView />}
          {view === 'funnel' && <FunnelView />}
          {view === 'rootcause' && <RootCauseView />}
          {view === 'calendar' && <CalendarView />}
          {view === 'scan' && <ScanView />}
          {view === 'business' && <BusinessView />}
          {view === 'live' && <LiveView />}
        </main>
        <footer className="statusbar">
          <span>
            {dataset.summary
              ? `${dataset.summary.rows.toLocaleString('en-US')} cube rows · ${dataset.summary.dimensions.map(displayDimension).join(', ')}`
              : 'No dataset'}
          </span>
          {dataset.timings && <span>opened in {fmtDuration(dataset.timings.total)}</span>}
          <span className="spacer" />
          {view !== 'rootcause' && view !== 'calendar' && <ExportReportStatus />}
          {last && (
            <span>
              last query {last.type} {fmtDuration(last.ms)}
            </span>
          )}
          <span>{engine ? `DuckDB-WASM ${engine.version} (${engine.bundle})` : 'starting DuckDB-WASM…'}</span>
        </footer>
      </div>
    </div>
  );
}
