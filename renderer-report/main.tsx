/**
 * Entry of the incident report page. The model (core/report.ts ReportModel) comes from
 * `window.__FUNNELSCOPE_REPORT__` — set before the page runs (playwright addInitScript) or later followed by a
 * `funnelscope:report` event (Electron executeJavaScript) — or from a `report.json` next to index.html.
 * When everything is rendered, `document.body.dataset.ready = 'true'`; on failure `data-error` is set.
 */
import { StrictMode, useEffect } from 'react';
import { createRoot } from 'react-dom/client';
import { REPORT_MODEL_VERSION, type ReportModel } from '../core/report.js';
import { Report } from './Report.js';
import './report.css';

declare global {
  interface Window {
    __FUNNELSCOPE_REPORT__?: ReportModel;
  }
}

function loadModel(): Promise<ReportModel> {
  if (window.__FUNNELSCOPE_REPORT__) return Promise.resolve(window.__FUNNELSCOPE_REPORT__);
  return new Promise((resolve) => {
    let done = false;
    const finish = (m: ReportModel) => {
      if (done) return;
      done = true;
      resolve(m);
    };
    window.addEventListener('funnelscope:report', () => {
      if (window.__FUNNELSCOPE_REPORT__) finish(window.__FUNNELSCOPE_REPORT__);
    });
    fetch('report.json')
      .then((r) => (r.ok ? (r.json() as Promise<ReportModel>) : null))
      .then((m) => {
        if (m) finish(m);
      })
      .catch(() => {
        // no report.json (e.g. file:// in Electron): wait for the injected model
      });
  });
}

function fail(message: string): void {
  document.body.dataset.error = message;
  const el = document.getElementById('root')!;
  el.innerHTML = '';
  const p = document.createElement('p');
  p.className = 'load-error';
  p.textContent = `The report could not be rendered: ${message}`;
  el.appendChild(p);
}

function Ready({ children }: { children: React.ReactNode }) {
  useEffect(() => {
    // charts are SVG strings rendered synchronously, so the DOM is complete on commit; wait for fonts and
    // one frame of layout before telling the printer
    void document.fonts.ready.then(() =>
      requestAnimationFrame(() => requestAnimationFrame(() => (document.body.dataset.ready = 'true'))),
    );
  }, []);
  return <>{children}</>;
}

loadModel()
  .then((model) => {
    if (!model || model.version !== REPORT_MODEL_VERSION) {
      throw new Error(
        `unsupported report model version ${String(model?.version)} (want ${REPORT_MODEL_VERSION})`,
      );
    }
    document.title = `${model.title} — Funnelscope`;
    createRoot(document.getElementById('root')!, {
      onUncaughtError: (err) => fail(err instanceof Error ? err.message : String(err)),
    }).render(
      <StrictMode>
        <Ready>
          <Report model={model} />
        </Ready>
      </StrictMode>,
    );
  })
  .catch((err: unknown) => fail(err instanceof Error ? err.message : String(err)));
