/**
 * "Export Incident Report…": invokes the host's `exportReport` with the dataset, segment, baseline/incident periods
 * and detector settings on screen. Shows the host's progress, then where the PDF went (Electron: the saved file;
 * web host: a download link), or the host's specific error (e.g. no Chromium to print with).
 */
import type { Segment } from '../../core/types.js';
import { useApp, useServices } from '../app/context.js';

export function ExportReportButton({
  segment,
  testId = 'export-report',
}: {
  segment?: Segment;
  testId?: string;
}) {
  const state = useApp((s) => s.reportExport);
  const exportReport = useApp((s) => s.exportReport);
  const cancel = useApp((s) => s.cancelExport);
  const opened = useApp((s) => s.dataset.opened);
  const { host } = useServices();
  const running = state.status === 'running';
  const p = state.progress;
  return (
    <div className="export-report" data-testid={testId} data-status={state.status}>
      <button
        type="button"
        className="btn small"
        disabled={!opened || !host || running}
        onClick={() => void exportReport(segment)}
        title="A PDF incident report of what is on screen: summary, charts, root cause, calendar, method"
      >
        {running ? 'Exporting…' : 'Export Incident Report…'}
      </button>
      {running && (
        <span className="small muted" data-testid={`${testId}-progress`}>
          {p?.message || p?.phase || 'building the report'}{' '}
          <button type="button" className="btn ghost small" onClick={cancel}>
            Cancel
          </button>
        </span>
      )}
      {state.status === 'done' && state.result && (
        <span className="small" data-testid={`${testId}-result`}>
          {state.result.url ? (
            <a href={state.result.url} download data-testid={`${testId}-link`}>
              Download the PDF ({state.result.pages} page{state.result.pages === 1 ? '' : 's'})
            </a>
          ) : state.result.file ? (
            <>
              Saved to <code>{state.result.file}</code> ({state.result.pages} pages)
            </>
          ) : (
            <span className="muted">Export cancelled.</span>
          )}
        </span>
      )}
      {state.status === 'error' && state.error && (
        <span className="small tone-bad" role="alert" data-testid={`${testId}-error`}>
          {state.error}
        </span>
      )}
    </div>
  );
}

/** the export's state in the status bar, for exports started from the menu while another view is shown */
export function ExportReportStatus() {
  const state = useApp((s) => s.reportExport);
  if (state.status === 'idle') return null;
  return (
    <span data-testid="export-report-status" className={state.status === 'error' ? 'tone-bad' : undefined}>
      {state.status === 'running' ? (
        `Incident report: ${state.progress?.message || 'exporting…'}`
      ) : state.status === 'error' ? (
        `Incident report failed: ${state.error}`
      ) : state.result?.url ? (
        <a href={state.result.url} download>
          Incident report ready — download the PDF
        </a>
      ) : state.result?.file ? (
        `Incident report saved to ${state.result.file}`
      ) : (
        'Incident report export cancelled'
      )}
    </span>
  );
}
