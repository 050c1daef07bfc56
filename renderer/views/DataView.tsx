/**
 * 1 · Data: open a folder or the sample, progress, data-quality profile, layout + mapping editor (over the
 * folder's real source columns, also when the folder could not be opened), preview.
 */
import { useEffect, useMemo, useState } from 'react';
import type { SourceColumn, SourceColumnsResult, SourceValuesResult } from '../../core/contract-mapping.js';
import {
  MAPPING_FIELDS,
  dimensionNameFor,
  dimensionNameProblem,
  fieldTypeProblem,
  suggestEventType,
  suggestMapping,
} from '../../core/mapping-suggest.js';
import { typeClass } from '../../core/sql.js';
import { NO_LAYOUT_HINT } from '../../core/schema.js';
import { useApp, useAnalysis, useServices } from '../app/context.js';
import { Card, Empty, ErrorBox, Kpi, SkeletonRows } from '../components/ui.js';
import { displayDimension, fmtDuration, fmtInt, fmtPeriod, fmtPct } from '../lib/format.js';
import type { DatasetState } from '../state/store.js';

export function DataView() {
  const dataset = useApp((s) => s.dataset);
  const busy = dataset.status === 'opening' || dataset.status === 'cube' || dataset.status === 'loading';
  return (
    <div className="stack">
      <div className="grid-main-side">
        <OpenCard busy={busy} />
        <RecentCard />
      </div>
      {busy && <ProgressCard dataset={dataset} />}
      {dataset.status === 'error' && dataset.error && (
        <OpenError
          title={
            dataset.target === 'sample' ? 'The sample could not be opened' : 'The folder could not be opened'
          }
          message={dataset.error}
        />
      )}
      {canMap(dataset) && <FolderMappingCard key={dataset.target!} folder={dataset.target!} />}
      {dataset.opened ? <ProfileSection /> : !busy && dataset.status !== 'error' && <Welcome />}
    </div>
  );
}

/**
 * Whether a failed open leads into the mapping editor: a folder (not the sample) the host read but could not
 * use — no known layout, a required column missing, types or a mapping that do not fit (DATASET_ERROR), or a
 * mapping the service refused (INVALID_REQUEST after a mapping was given). Folder errors (not found, not
 * allowed) do not: there are no columns to map.
 */
function canMap(d: DatasetState): boolean {
  if (d.status !== 'error' || !d.target || d.target === 'sample') return false;
  return d.errorCode === 'DATASET_ERROR' || (d.errorCode === 'INVALID_REQUEST' && d.mapping !== null);
}

/**
 * The host's message of a failed open. The dataset service's "no usable Parquet file in F — a: why; b: why"
 * is shown as the folder and one line per file (the rest of the message as is).
 */
function OpenError({ title, message }: { title: string; message: string }) {
  const m = /^(no usable Parquet file in .+?) — (.+)$/s.exec(message);
  if (!m) return <ErrorBox title={title} message={message} testId="open-error" />;
  const files = m[2].split(/; (?=[^;:]+?\.parquet: )/i).map((x) => {
    const i = x.search(/\.parquet: /i);
    // the "how to go on" of no-known-layout reasons: the editor below is the answer here
    const why = x.replaceAll(NO_LAYOUT_HINT, '');
    return i < 0 ? { file: '', reason: why } : { file: why.slice(0, i + 8), reason: why.slice(i + 10) };
  });
  return (
    <div className="alert error" role="alert" data-testid="open-error">
      <span className="alert-icon">!</span>
      <div style={{ flex: 1, minWidth: 0 }}>
        <div className="alert-title">{title}</div>
        <div style={{ wordBreak: 'break-word' }}>{m[1]}:</div>
        <ul style={{ margin: '4px 0 0', paddingLeft: 18, wordBreak: 'break-word' }}>
          {files.slice(0, 8).map((f, i) => (
            <li key={i}>
              {f.file && <span style={{ fontFamily: 'var(--mono)' }}>{f.file}</span>}
              {f.file && ' — '}
              {f.reason}
            </li>
          ))}
          {files.length > 8 && <li>… and {files.length - 8} more files</li>}
        </ul>
      </div>
    </div>
  );
}

function Welcome() {
  const openSample = useApp((s) => s.openSample);
  return (
    <Card>
      <Empty
        icon="▾"
        title="Open a folder of clickstream Parquet files"
        action={
          <button className="btn primary" type="button" onClick={() => void openSample()}>
            Try the sample dataset
          </button>
        }
      >
        Funnelscope reads the files on this machine, shows the view → cart → purchase funnel, and finds the
        segment that broke. Nothing leaves your computer.
      </Empty>
    </Card>
  );
}

function OpenCard({ busy }: { busy: boolean }) {
  const { host } = useServices();
  const openFolder = useApp((s) => s.openFolder);
  const openSample = useApp((s) => s.openSample);
  const chooseFolder = useApp((s) => s.chooseFolder);
  const opened = useApp((s) => s.dataset.opened);
  const [path, setPath] = useState('');
  useEffect(() => {
    if (opened && !opened.sample) setPath(opened.folder);
  }, [opened]);
  const electron = host?.transport === 'electron';
  return (
    <Card
      title="Open data"
      hint="A folder of Parquet files (Retail Rocket, cosmetics-shop or pipeline layout, or your own mapping)"
    >
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          if (path.trim()) void openFolder(path.trim());
        }}
      >
        {electron && (
          <button className="btn primary" type="button" onClick={() => void chooseFolder()} disabled={busy}>
            Choose folder…
          </button>
        )}
        <input
          className="input grow"
          placeholder="/path/to/parquet-folder"
          value={path}
          onChange={(e) => setPath(e.target.value)}
          aria-label="Folder path"
          data-testid="folder-input"
          spellCheck={false}
        />
        <button
          className={`btn ${electron ? '' : 'primary'}`}
          type="submit"
          disabled={busy || !path.trim()}
          data-testid="open-folder"
        >
          Open
        </button>
        <button
          className="btn"
          type="button"
          onClick={() => void openSample()}
          disabled={busy}
          data-testid="open-sample"
        >
          Open sample
        </button>
      </form>
    </Card>
  );
}

function RecentCard() {
  const recent = useApp((s) => s.recent);
  const openFolder = useApp((s) => s.openFolder);
  const forget = useApp((s) => s.forgetRecent);
  return (
    <Card title="Recent folders">
      {recent.length === 0 ? (
        <div className="muted small">Folders you open appear here, with the column mapping you chose.</div>
      ) : (
        <div className="recent">
          {recent.slice(0, 6).map((r) => (
            <div className="recent-item" key={r.folder}>
              <button
                className="link"
                type="button"
                title={r.folder}
                onClick={() => void openFolder(r.folder, r.mapping)}
              >
                {r.folder}
              </button>
              <button
                className="btn ghost small"
                type="button"
                aria-label={`Forget ${r.folder}`}
                onClick={() => void forget(r.folder)}
              >
                ×
              </button>
            </div>
          ))}
        </div>
      )}
    </Card>
  );
}

function ProgressCard({ dataset }: { dataset: DatasetState }) {
  const cancel = useApp((s) => s.cancelOpen);
  const p = dataset.progress;
  const frac = p && p.filesTotal ? Math.min(1, p.files / p.filesTotal) : null;
  const phase =
    dataset.status === 'cube'
      ? 'Aggregating the cube'
      : dataset.status === 'loading'
        ? 'Loading the cube into the analysis engine'
        : (p?.message ?? (dataset.target === 'sample' ? 'Preparing the sample…' : 'Scanning files…'));
  return (
    <Card
      title={dataset.target === 'sample' ? 'Opening the sample' : 'Opening folder'}
      hint={dataset.target !== 'sample' ? dataset.target : undefined}
      actions={
        <button className="btn" type="button" onClick={cancel} data-testid="cancel-open">
          Cancel
        </button>
      }
      testId="progress"
    >
      <div className="stack" style={{ gap: 10 }}>
        <div className={`progress ${frac === null ? 'indeterminate' : ''}`}>
          <div style={frac === null ? undefined : { width: `${Math.round(frac * 100)}%` }} />
        </div>
        <div className="small">{phase}</div>
        {p && (
          <div className="stats-line">
            <span>
              Files{' '}
              <strong>
                {fmtInt(p.files)}
                {p.filesTotal ? ` / ${fmtInt(p.filesTotal)}` : ''}
              </strong>
            </span>
            <span>
              Rows <strong>{fmtInt(p.rows)}</strong>
            </span>
            <span>
              Rate <strong>{p.rowsPerSecond ? `${fmtInt(p.rowsPerSecond)} rows/s` : '—'}</strong>
            </span>
            <span>
              ETA{' '}
              <strong>
                {p.etaSeconds !== null && p.etaSeconds !== undefined ? fmtDuration(p.etaSeconds * 1000) : '—'}
              </strong>
            </span>
          </div>
        )}
      </div>
    </Card>
  );
}

function ProfileSection() {
  const dataset = useApp((s) => s.dataset);
  const opened = dataset.opened!;
  const profile = opened.profile;
  const summary = dataset.summary;
  const totals = useAnalysis(
    'overview',
    summary ? { period: null, segment: {}, dimension: summary.dimensions[0] ?? '' } : null,
    'data-totals',
  );
  const rejected = Object.entries(profile.rows.rejected ?? {}).filter(([, n]) => n > 0);
  const rejectedTotal = rejected.reduce((a, [, n]) => a + n, 0);
  const skipped = profile.files.skipped ?? [];
  return (
    <>
      {skipped.length > 0 && (
        <div className="alert warn" role="status" data-testid="skipped-files">
          <span className="alert-icon">!</span>
          <div style={{ minWidth: 0 }}>
            <div className="alert-title">
              {skipped.length === 1 ? '1 file was skipped' : `${skipped.length} files were skipped`}; the
              other {fmtInt(profile.files.read)} loaded.
            </div>
            <ul style={{ margin: '4px 0 0', paddingLeft: 18 }}>
              {skipped.slice(0, 8).map((s) => (
                <li key={s.file}>
                  <span style={{ fontFamily: 'var(--mono)' }}>{s.file}</span> — {s.reason}
                </li>
              ))}
              {skipped.length > 8 && <li>… and {skipped.length - 8} more</li>}
            </ul>
          </div>
        </div>
      )}
      <div className="kpis" data-testid="profile-kpis">
        <Kpi
          label="Files read"
          value={fmtInt(profile.files.read)}
          delta={
            <span className="muted">{skipped.length ? `${skipped.length} skipped` : 'none skipped'}</span>
          }
        />
        <Kpi
          label="Rows read"
          value={fmtInt(profile.rows.read)}
          delta={
            <span
              className="muted"
              title={`${fmtInt(rejectedTotal)} rejected · ${fmtInt(profile.rows.duplicates)} duplicates`}
            >
              {fmtInt(rejectedTotal + profile.rows.duplicates)} dropped
            </span>
          }
        />
        <Kpi
          label="Date range"
          value={
            <span
              style={{
                fontSize: 14,
                display: 'block',
                whiteSpace: 'normal',
                overflowWrap: 'anywhere',
                lineHeight: 1.3,
                minHeight: 30,
              }}
            >
              {profile.range.from
                ? fmtPeriod({ from: profile.range.from, to: profile.range.to ?? profile.range.from })
                : '—'}
            </span>
          }
          delta={<span className="muted">{summary ? `${summary.dates.length} days with data` : ' '}</span>}
        />
        <Kpi label="Views" color="var(--views)" value={totals.data ? fmtInt(totals.data.kpis.views) : '…'} />
        <Kpi label="Carts" color="var(--carts)" value={totals.data ? fmtInt(totals.data.kpis.carts) : '…'} />
        <Kpi
          label="Purchases"
          color="var(--purchases)"
          value={totals.data ? fmtInt(totals.data.kpis.purchases) : '…'}
        />
      </div>
      <div className="grid-2">
        <Card title="Data quality" hint="Rows rejected by reason">
          {rejected.length === 0 && profile.rows.duplicates === 0 ? (
            <div className="small muted">No rows rejected and no duplicates.</div>
          ) : (
            <div className="table-wrap">
              <table className="data">
                <thead>
                  <tr>
                    <th>Reason</th>
                    <th className="r">Rows</th>
                    <th className="r">Share</th>
                  </tr>
                </thead>
                <tbody>
                  {rejected.map(([reason, n]) => (
                    <tr key={reason}>
                      <td>{reason.replace(/_/g, ' ')}</td>
                      <td className="r">{fmtInt(n)}</td>
                      <td className="r">{fmtPct(n / Math.max(1, profile.rows.read))}</td>
                    </tr>
                  ))}
                  <tr>
                    <td>exact duplicates (removed)</td>
                    <td className="r">{fmtInt(profile.rows.duplicates)}</td>
                    <td className="r">{fmtPct(profile.rows.duplicates / Math.max(1, profile.rows.read))}</td>
                  </tr>
                </tbody>
              </table>
            </div>
          )}
          <h3 style={{ margin: '16px 0 8px', fontSize: 13 }}>Dimensions</h3>
          <div className="row">
            {Object.entries(profile.dimensions ?? {}).map(([d, n]) => (
              <span className="chip" key={d}>
                {displayDimension(d)} <strong>{fmtInt(n)}</strong> values
              </span>
            ))}
          </div>
          {dataset.timings && (
            <div className="small muted" style={{ marginTop: 12 }}>
              Scan and profile {fmtDuration(dataset.timings.open)} · cube {fmtDuration(dataset.timings.cube)}{' '}
              · analysis engine {fmtDuration(dataset.timings.load)}
            </div>
          )}
        </Card>
        <MappingCard />
      </div>
      <PreviewCard />
    </>
  );
}

// ------------------------------------------------------------------------------------------- mapping editor

type FieldKey = (typeof MAPPING_FIELDS)[number]['key'];

/** The editor's form: source column per canonical field ('' = not mapped), event values, dimensions. */
type MappingForm = Record<FieldKey, string> & {
  timeFormat: string;
  /** raw value (as compared: trimmed, lower-cased) → canonical type; '' = not an event (rows rejected) */
  eventValues: [string, string][];
  dimensions: [string, string][];
};

const EVENT_CHOICES = ['view', 'cart', 'purchase', 'remove_from_cart'] as const;

function toForm(m: Record<string, unknown>): MappingForm {
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  const f = Object.fromEntries(MAPPING_FIELDS.map((x) => [x.key, str(m[x.key])])) as Record<FieldKey, string>;
  return {
    ...f,
    timeFormat: str(m.timeFormat) || 'auto',
    eventValues: Object.entries((m.eventValues as Record<string, string>) ?? {}),
    dimensions: Object.entries((m.dimensions as Record<string, string>) ?? {}),
  };
}

/** The mapping JSON (core/schema.ts MappingFile) of a form: a complete custom mapping. */
function fromForm(f: MappingForm): Record<string, unknown> {
  const opt = (v: string) => (v ? v : null);
  return {
    ts: f.ts,
    timeFormat: f.timeFormat,
    visitor_id: f.visitor_id,
    event_type: f.event_type,
    session_id: opt(f.session_id),
    item_id: opt(f.item_id),
    transaction_id: opt(f.transaction_id),
    price: opt(f.price),
    quantity: opt(f.quantity),
    eventValues: Object.fromEntries(
      f.eventValues.filter(([k, v]) => k.trim() && v).map(([k, v]) => [k.trim().toLowerCase(), v]),
    ),
    dimensions: Object.fromEntries(f.dimensions.filter(([k, v]) => k.trim() && v)),
  };
}

type Load<T> = { status: 'loading' } | { status: 'error'; error: string } | { status: 'ready'; data: T };

/** Ask the host for a folder's source columns (Parquet footers only). */
function useSourceColumns(folder: string): Load<SourceColumnsResult> {
  const { host } = useServices();
  const [state, setState] = useState<Load<SourceColumnsResult>>({ status: 'loading' });
  useEffect(() => {
    let live = true;
    setState({ status: 'loading' });
    if (!host) {
      setState({ status: 'error', error: 'No Funnelscope host is connected.' });
      return;
    }
    host.invoke('sourceColumns', { folder }).then(
      (data) => live && setState({ status: 'ready', data }),
      (e: unknown) => live && setState({ status: 'error', error: (e as Error).message }),
    );
    return () => {
      live = false;
    };
  }, [host, folder]);
  return state;
}

/** The most frequent values of the event column (one column scan on the host); null column = idle. */
function useSourceValues(folder: string, column: string | null): Load<SourceValuesResult> | null {
  const { host } = useServices();
  const [state, setState] = useState<Load<SourceValuesResult> | null>(null);
  useEffect(() => {
    if (!column || !host) {
      setState(null);
      return;
    }
    let live = true;
    setState({ status: 'loading' });
    host.invoke('sourceValues', { folder, column, limit: 40 }).then(
      (data) => live && setState({ status: 'ready', data }),
      (e: unknown) => live && setState({ status: 'error', error: (e as Error).message }),
    );
    return () => {
      live = false;
    };
  }, [host, folder, column]);
  return state;
}

/**
 * Field-level notes of the last failed apply: the dataset service names the offending column in quotes
 * (`column "sku" (price) is VARCHAR …`) or lists missing ones (`… does not have: uid`).
 */
function errorMentions(error: string | null, column: string): boolean {
  if (!error || !column) return false;
  if (error.includes(`"${column}"`)) return true;
  const m = /does not have: ([^;)—]+)/g;
  for (let r = m.exec(error); r; r = m.exec(error))
    if (r[1].split(',').some((c) => c.trim() === column)) return true;
  return false;
}

interface FieldNote {
  tone: 'bad' | 'warn' | 'info';
  text: string;
}

const NOTE_COLOR = { bad: 'var(--bad)', warn: 'var(--warn)', info: 'var(--text-2)' } as const;

function Notes({ notes, testId }: { notes: FieldNote[]; testId?: string }) {
  if (!notes.length) return null;
  return (
    <div data-testid={testId}>
      {notes.map((n, i) => (
        <div key={i} className="small" style={{ color: NOTE_COLOR[n.tone], marginTop: 2, lineHeight: 1.35 }}>
          {n.text}
        </div>
      ))}
    </div>
  );
}

const monoSmall: React.CSSProperties = { fontFamily: 'var(--mono)', fontSize: 12 };

/**
 * The mapping editor over a folder's real source columns (host `sourceColumns`): a column list per canonical
 * field (name · type · files), required fields marked, suggestions for unmapped fields
 * (core/mapping-suggest.ts), dimensions from the unused columns, the event values of the picked event column
 * (host `sourceValues`) with their canonical type, and the dataset service's own type rule per pick.
 */
function MappingEditor({
  folder,
  src,
  base,
  mode,
  applyError,
  busy,
  onApply,
  onDiscard,
}: {
  folder: string;
  /** the folder's source columns (host sourceColumns) */
  src: SourceColumnsResult;
  /** the mapping to start from (the open dataset's, or the one the failed open asked for); null = suggest */
  base: Record<string, unknown> | null;
  mode: 'edit' | 'failed';
  applyError: string | null;
  busy: boolean;
  onApply(mapping: Record<string, unknown>): void;
  onDiscard?: () => void;
}) {
  const [form, setForm] = useState<MappingForm | null>(null);
  const [suggested, setSuggested] = useState<Set<string>>(new Set());
  const columns = src.columns;
  useEffect(() => {
    const s = suggestMapping(columns, src.readable);
    if (base) {
      // keep the fields the base maps; suggest only the ones it leaves empty (a failed mapping may be partial)
      const f = toForm(base);
      const fill = new Set<string>();
      const used = new Set([...MAPPING_FIELDS.map((x) => f[x.key]), ...f.dimensions.map(([, c]) => c)]);
      for (const x of MAPPING_FIELDS) {
        const c = s.mapping[x.key];
        if (x.required && !f[x.key] && c && !used.has(c)) {
          f[x.key] = c;
          used.add(c);
          fill.add(x.key);
        }
      }
      setForm(f);
      setSuggested(fill);
    } else {
      setForm(toForm(s.mapping as unknown as Record<string, unknown>));
      setSuggested(new Set(s.suggested));
    }
  }, [columns, base, src.readable]);

  const values = useSourceValues(folder, form?.event_type || null);
  // first values of a newly picked event column: keep the mapped ones, suggest the others
  useEffect(() => {
    if (values?.status !== 'ready') return;
    setForm((f) => {
      if (!f) return f;
      const have = new Map(f.eventValues);
      const next: [string, string][] = [];
      for (const v of values.data.values) {
        if (v.value === null) continue;
        next.push([v.value, have.get(v.value) ?? suggestEventType(v.value) ?? '']);
        have.delete(v.value);
      }
      // values the mapping names that the column does not show (cut at the limit, or typed in): keep them
      for (const [k, c] of have) if (k.trim() && c) next.push([k, c]);
      return { ...f, eventValues: next };
    });
  }, [values]);

  if (!form) return <SkeletonRows rows={6} />;
  const byName = new Map(src.columns.map((c) => [c.name, c]));
  const set = (patch: Partial<MappingForm>, touched?: string) => {
    setForm((f) => (f ? { ...f, ...patch } : f));
    if (touched)
      setSuggested((s) => {
        const n = new Set(s);
        n.delete(touched);
        return n;
      });
  };

  /** notes of one picked column for a field ('dimension' for dimensions) */
  const notesFor = (field: FieldKey | 'dimension', column: string, required: boolean): FieldNote[] => {
    if (!column) return required ? [{ tone: 'bad', text: 'Required: choose the column that holds it.' }] : [];
    const c = byName.get(column);
    if (!c) return [{ tone: 'bad', text: `No readable file of this folder has a column "${column}".` }];
    const notes: FieldNote[] = [];
    for (const t of c.types) {
      const p = fieldTypeProblem(field, column, t);
      if (p)
        notes.push({
          tone: 'bad',
          text: `${p} — pick another column${required ? '' : ' or leave it unmapped'}.`,
        });
    }
    if (c.files < src.readable)
      notes.push({
        tone: 'warn',
        text: `Only ${fmtInt(c.files)} of ${fmtInt(src.readable)} files have "${column}"; the others will be skipped.`,
      });
    if (errorMentions(applyError, column) && !notes.some((n) => n.tone === 'bad'))
      notes.push({ tone: 'bad', text: 'The last attempt failed on this column (see the message above).' });
    return notes;
  };

  const usedBy = new Map<string, string>();
  for (const f of MAPPING_FIELDS) if (form[f.key]) usedBy.set(form[f.key], f.label);
  for (const [d, c] of form.dimensions) if (c) usedBy.set(c, `dimension ${d}`);
  const fieldNotes = Object.fromEntries(
    MAPPING_FIELDS.map((f) => [f.key, notesFor(f.key, form[f.key], f.required)]),
  ) as Record<FieldKey, FieldNote[]>;
  const dimNames = form.dimensions.map(([n]) => n);
  const dimNotes = form.dimensions.map(([name, col], i) => {
    const p = dimensionNameProblem(
      name,
      dimNames.filter((_, j) => j !== i),
    );
    return [...(p ? [{ tone: 'bad' as const, text: p }] : []), ...notesFor('dimension', col, true)];
  });
  const mappedValues = form.eventValues.filter(([k, v]) => k.trim() && v);
  const valueNotes: FieldNote[] = [];
  if (!mappedValues.length)
    valueNotes.push({
      tone: 'bad',
      text: 'Map at least one event value (e.g. the one that means a product view).',
    });
  else
    for (const t of ['view', 'cart', 'purchase'] as const)
      if (!mappedValues.some(([, v]) => v === t))
        valueNotes.push({ tone: 'warn', text: `No value is mapped to ${t}: the funnel will show no ${t}s.` });
  const blocking =
    Object.values(fieldNotes).some((n) => n.some((x) => x.tone === 'bad')) ||
    dimNotes.some((n) => n.some((x) => x.tone === 'bad')) ||
    !mappedValues.length;
  const addable = src.columns.filter(
    (c) => !usedBy.has(c.name) && c.types.every((t) => !fieldTypeProblem('dimension', c.name, t)),
  );
  const addableStrings = addable.filter((c) => typeClass(c.type) === 'string');
  const addableOther = addable.filter((c) => typeClass(c.type) !== 'string');
  const optionLabel = (c: SourceColumn) =>
    `${c.name} · ${c.types.map((t) => t.toLowerCase()).join(' | ')}${
      c.files < src.readable ? ` · ${c.files}/${src.readable} files` : ''
    }`;
  const tsClass = form.ts && byName.get(form.ts) ? typeClass(byName.get(form.ts)!.type) : null;

  return (
    <div className="stack" style={{ gap: 12 }} data-testid="mapping-editor" data-folder={src.folder}>
      <div className="small muted" data-testid="source-summary">
        {fmtInt(src.columns.length)} source columns in {fmtInt(src.readable)}{' '}
        {src.readable === src.files ? '' : `of ${fmtInt(src.files)} `}
        {src.files === 1 ? 'file' : 'files'} · {fmtInt(src.rows)} rows
        {src.unreadable.length > 0 && (
          <>
            {' '}
            ·{' '}
            <span style={{ color: 'var(--warn)' }} data-testid="source-unreadable">
              {src.unreadable.length === 1
                ? `${src.unreadable[0].file} cannot be read (${src.unreadable[0].reason})`
                : `${src.unreadable.length} files cannot be read`}
            </span>
          </>
        )}
      </div>
      {mode === 'edit' && applyError && (
        <ErrorBox
          title="The mapping could not be applied"
          message={applyError}
          testId="mapping-apply-error"
        />
      )}
      <div className="mapping-grid" style={{ alignItems: 'start' }}>
        {MAPPING_FIELDS.map((f) => (
          <FieldRow
            key={f.key}
            top
            label={
              <>
                {f.label}
                {f.required && (
                  <span style={{ color: 'var(--bad)' }} title="required">
                    {' '}
                    *
                  </span>
                )}
              </>
            }
          >
            <div className="row" style={{ gap: 6, flexWrap: 'nowrap' }}>
              <select
                className="select"
                style={{ ...monoSmall, flex: 1, minWidth: 0 }}
                value={form[f.key]}
                aria-label={f.label}
                data-testid={`map-field-${f.key}`}
                onChange={(e) => set({ [f.key]: e.target.value } as Partial<MappingForm>, f.key)}
              >
                <option value="">{f.required ? '— choose a column —' : '— not mapped —'}</option>
                {form[f.key] && !byName.has(form[f.key]) && (
                  <option value={form[f.key]}>{form[f.key]} · not in these files</option>
                )}
                {src.columns.map((c) => (
                  <option key={c.name} value={c.name}>
                    {optionLabel(c)}
                    {usedBy.has(c.name) && usedBy.get(c.name) !== f.label
                      ? ` — used as ${usedBy.get(c.name)}`
                      : ''}
                  </option>
                ))}
              </select>
              {suggested.has(f.key) && (
                <span
                  className="chip accent"
                  style={{ height: 22 }}
                  title="Suggested from the column name; check it"
                >
                  suggested
                </span>
              )}
            </div>
            <Notes notes={fieldNotes[f.key]} testId={`map-field-${f.key}-notes`} />
          </FieldRow>
        ))}
        <FieldRow label="time format" top>
          <div className="row" style={{ gap: 8 }}>
            <select
              className="select"
              value={form.timeFormat}
              onChange={(e) => set({ timeFormat: e.target.value })}
              aria-label="time format"
              data-testid="map-time-format"
            >
              {['auto', 'epoch_ms', 'epoch_s', 'iso'].map((t) => (
                <option key={t}>{t}</option>
              ))}
            </select>
            {form.timeFormat === 'auto' && tsClass && (
              <span className="small muted">
                {tsClass === 'number'
                  ? 'epoch seconds, ms or µs, told apart by magnitude'
                  : tsClass === 'string'
                    ? 'ISO-8601 / "YYYY-MM-DD HH:MM:SS", no zone = UTC'
                    : 'read as stored'}
              </span>
            )}
          </div>
        </FieldRow>
        <FieldRow label="event values" top>
          <EventValues form={form} values={values} onChange={(eventValues) => set({ eventValues })} />
          <Notes notes={valueNotes} testId="map-event-values-notes" />
        </FieldRow>
        <FieldRow label="dimensions" top>
          <div className="stack" style={{ gap: 6 }} data-testid="map-dimensions">
            {form.dimensions.map(([name, col], i) => (
              <div key={i}>
                <div className="row" style={{ gap: 6, flexWrap: 'nowrap' }}>
                  <input
                    className="input"
                    style={{ ...monoSmall, width: 120 }}
                    value={name}
                    aria-label="dimension name"
                    data-testid={`map-dim-name-${i}`}
                    spellCheck={false}
                    onChange={(e) =>
                      set({
                        dimensions: form.dimensions.map((x, j) =>
                          j === i ? [e.target.value.trim(), x[1]] : x,
                        ),
                      })
                    }
                  />
                  <span className="muted">←</span>
                  <select
                    className="select"
                    style={{ ...monoSmall, flex: 1, minWidth: 0 }}
                    value={col}
                    aria-label={`column of dimension ${name}`}
                    data-testid={`map-dim-column-${i}`}
                    onChange={(e) =>
                      set(
                        { dimensions: form.dimensions.map((x, j) => (j === i ? [x[0], e.target.value] : x)) },
                        `dimension:${name}`,
                      )
                    }
                  >
                    <option value="">— choose a column —</option>
                    {col && !byName.has(col) && <option value={col}>{col} · not in these files</option>}
                    {src.columns.map((c) => (
                      <option key={c.name} value={c.name}>
                        {optionLabel(c)}
                      </option>
                    ))}
                  </select>
                  {suggested.has(`dimension:${name}`) && (
                    <span
                      className="chip accent"
                      style={{ height: 22 }}
                      title="Suggested from the column name"
                    >
                      suggested
                    </span>
                  )}
                  <button
                    className="btn ghost small"
                    type="button"
                    aria-label={`Remove ${name}`}
                    onClick={() => set({ dimensions: form.dimensions.filter((_, j) => j !== i) })}
                  >
                    ×
                  </button>
                </div>
                <Notes notes={dimNotes[i]} />
              </div>
            ))}
            {addable.length > 0 ? (
              <select
                className="select"
                style={{ ...monoSmall, maxWidth: '100%' }}
                value=""
                aria-label="Add a dimension"
                data-testid="map-add-dimension"
                onChange={(e) => {
                  const c = e.target.value;
                  if (!c) return;
                  set({ dimensions: [...form.dimensions, [dimensionNameFor(c, dimNames), c]] });
                }}
              >
                <option value="">+ add a dimension from an unused column…</option>
                {addableStrings.length > 0 && (
                  <optgroup label="text columns">
                    {addableStrings.map((c) => (
                      <option key={c.name} value={c.name}>
                        {optionLabel(c)}
                      </option>
                    ))}
                  </optgroup>
                )}
                {addableOther.length > 0 && (
                  <optgroup label="other columns">
                    {addableOther.map((c) => (
                      <option key={c.name} value={c.name}>
                        {optionLabel(c)}
                      </option>
                    ))}
                  </optgroup>
                )}
              </select>
            ) : (
              <span className="small muted">Every usable column is mapped.</span>
            )}
          </div>
        </FieldRow>
      </div>
      <details open={mode === 'failed'} data-testid="source-columns">
        <summary className="small" style={{ cursor: 'pointer', color: 'var(--text-2)' }}>
          Source columns ({fmtInt(src.columns.length)})
        </summary>
        <div className="table-wrap" style={{ maxHeight: 340, marginTop: 8 }}>
          <table className="data">
            <thead>
              <tr>
                <th>Column</th>
                <th>Type</th>
                <th className="r">Files</th>
                <th>Mapped to</th>
              </tr>
            </thead>
            <tbody>
              {src.columns.map((c) => (
                <tr key={c.name} data-column={c.name}>
                  <td style={monoSmall}>{c.name}</td>
                  <td style={monoSmall}>{c.types.join(' | ')}</td>
                  <td className="r">
                    {fmtInt(c.files)}
                    {c.files < src.readable ? ` / ${fmtInt(src.readable)}` : ''}
                  </td>
                  <td className={usedBy.has(c.name) ? '' : 'muted'}>{usedBy.get(c.name) ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
      <div className="row" style={{ justifyContent: 'flex-end', gap: 8 }}>
        {blocking && (
          <span
            className="small"
            style={{ color: 'var(--bad)', marginRight: 'auto' }}
            data-testid="map-blocked"
          >
            Fix the fields marked in red to continue.
          </span>
        )}
        {onDiscard && (
          <button className="btn ghost small" type="button" onClick={onDiscard}>
            Discard
          </button>
        )}
        <button
          className="btn primary small"
          type="button"
          disabled={busy || blocking}
          onClick={() => onApply(fromForm(form))}
          data-testid="apply-mapping"
        >
          {mode === 'failed' ? 'Open with this mapping' : 'Apply and reload'}
        </button>
      </div>
    </div>
  );
}

/** The event column's values (with row counts) → canonical type; free text when the values are unknown. */
function EventValues({
  form,
  values,
  onChange,
}: {
  form: MappingForm;
  values: Load<SourceValuesResult> | null;
  onChange(v: [string, string][]): void;
}) {
  const counts = new Map(
    values?.status === 'ready' ? values.data.values.map((v) => [v.value ?? '', v.rows] as const) : [],
  );
  const update = (i: number, pair: [string, string]) =>
    onChange(form.eventValues.map((x, j) => (j === i ? pair : x)));
  return (
    <div className="stack" style={{ gap: 4 }} data-testid="map-event-values">
      {!form.event_type && <span className="small muted">Choose the event type column first.</span>}
      {values?.status === 'loading' && (
        <span className="small muted">Reading the values of {form.event_type}…</span>
      )}
      {values?.status === 'error' && (
        <span className="small" style={{ color: 'var(--warn)' }}>
          Its values could not be read ({values.error}); type them in.
        </span>
      )}
      {form.eventValues.map(([raw, canon], i) => {
        const known = counts.has(raw);
        return (
          <div key={i} className="row" style={{ gap: 6, flexWrap: 'nowrap', maxWidth: 520 }} data-value={raw}>
            {known ? (
              <span
                style={{ ...monoSmall, flex: 1, minWidth: 60, overflow: 'hidden', textOverflow: 'ellipsis' }}
                title={`"${raw}" as the mapping compares it`}
              >
                {raw}
              </span>
            ) : (
              <input
                className="input"
                style={{ ...monoSmall, height: 26, flex: 1, minWidth: 60 }}
                value={raw}
                placeholder="raw value"
                aria-label="raw event value"
                spellCheck={false}
                onChange={(e) => update(i, [e.target.value, canon])}
              />
            )}
            <span className="small muted" style={{ minWidth: 90, textAlign: 'right', whiteSpace: 'nowrap' }}>
              {known ? `${fmtInt(counts.get(raw)!)} rows` : values?.status === 'ready' ? 'not listed' : ''}
            </span>
            <span className="muted">→</span>
            <select
              className="select"
              style={{ height: 26, width: 180, flexShrink: 0 }}
              value={canon}
              aria-label={`event type of ${raw || 'the value'}`}
              title="Rows with a value that is not an event are rejected (counted as unknown_event_type)"
              data-testid={`map-event-${raw}`}
              onChange={(e) => update(i, [raw, e.target.value])}
            >
              <option value="">not an event</option>
              {EVENT_CHOICES.map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </select>
            {!known && (
              <button
                className="btn ghost small"
                type="button"
                aria-label={`Remove value ${raw}`}
                onClick={() => onChange(form.eventValues.filter((_, j) => j !== i))}
              >
                ×
              </button>
            )}
          </div>
        );
      })}
      {values?.status === 'ready' && values.data.distinct > values.data.values.length && (
        <span className="small muted">
          The {fmtInt(values.data.values.length)} most frequent of {fmtInt(values.data.distinct)} values are
          listed.
        </span>
      )}
      {form.event_type && (
        <button
          className="btn ghost small"
          type="button"
          style={{ alignSelf: 'flex-start' }}
          onClick={() => onChange([...form.eventValues, ['', 'view']])}
        >
          + value
        </button>
      )}
    </div>
  );
}

/** The editor for an open dataset's folder, once its source columns are listed. */
function EditMapping({
  folder,
  base,
  applyError,
  busy,
  onApply,
  onDiscard,
}: {
  folder: string;
  base: Record<string, unknown>;
  /** why the host refused the mapping last applied (shown above the editor) */
  applyError: string | null;
  busy: boolean;
  onApply(mapping: Record<string, unknown>): void;
  onDiscard(): void;
}) {
  const source = useSourceColumns(folder);
  if (source.status === 'loading') return <SkeletonRows rows={6} />;
  if (source.status === 'error')
    return (
      <ErrorBox
        title="The folder's columns could not be listed"
        message={source.error}
        testId="mapping-error"
        action={
          <button className="btn ghost small" type="button" onClick={onDiscard}>
            Close
          </button>
        }
      />
    );
  return (
    <MappingEditor
      folder={folder}
      src={source.data}
      base={base}
      mode="edit"
      applyError={applyError}
      busy={busy}
      onApply={onApply}
      onDiscard={onDiscard}
    />
  );
}

/** Opened dataset: the mapping in use, and the editor over the folder's source columns on request. */
function MappingCard() {
  const dataset = useApp((s) => s.dataset);
  const apply = useApp((s) => s.applyMapping);
  const opened = dataset.opened!;
  const mapping = opened.profile.mapping as unknown as Record<string, unknown>;
  const current = useMemo(() => toForm(mapping ?? {}), [mapping]);
  const rejected = dataset.rejectedMapping;
  // a mapping the host refused brings the editor back with it and the reason
  const [editing, setEditing] = useState(Boolean(rejected));
  const busy = dataset.status !== 'ready' && dataset.status !== 'error';
  // editing needs the room of both columns of the grid it sits in (next to Data quality)
  return (
    <div style={editing ? { gridColumn: '1 / -1', minWidth: 0 } : { minWidth: 0 }}>
      <Card
        title="Layout and column mapping"
        testId="mapping-card"
        actions={
          !editing && (
            <button
              className="btn small"
              type="button"
              onClick={() => setEditing(true)}
              data-testid="edit-mapping"
            >
              Edit mapping
            </button>
          )
        }
      >
        <div className="row small" style={{ marginBottom: 12 }}>
          <span className="muted">Detected layout</span>
          <span className="chip accent" data-testid="layout">
            {opened.profile.layout}
          </span>
        </div>
        {editing ? (
          <EditMapping
            folder={opened.folder}
            base={rejected?.mapping ?? mapping}
            applyError={rejected?.error ?? null}
            busy={busy}
            onApply={(m) => {
              setEditing(false);
              void apply(m);
            }}
            onDiscard={() => setEditing(false)}
          />
        ) : (
          <div className="mapping-grid">
            {MAPPING_FIELDS.map((f) => (
              <FieldRow key={f.key} label={f.label}>
                <span className={current[f.key] ? '' : 'muted'} style={monoSmall}>
                  {current[f.key] || 'not mapped'}
                </span>
              </FieldRow>
            ))}
            <FieldRow label="time format">
              <span style={monoSmall}>{current.timeFormat}</span>
            </FieldRow>
            <FieldRow label="event values">
              <div className="row" style={{ gap: 6 }}>
                {current.eventValues.map(([raw, canon]) => (
                  <span key={raw} className="chip">
                    {raw} → <strong>{canon}</strong>
                  </span>
                ))}
              </div>
            </FieldRow>
            <FieldRow label="dimensions">
              <div className="row" style={{ gap: 6 }}>
                {current.dimensions.length === 0 && <span className="muted small">none</span>}
                {current.dimensions.map(([name, col]) => (
                  <span key={name} className="chip">
                    <strong>{name}</strong> ← {col}
                  </span>
                ))}
              </div>
            </FieldRow>
          </div>
        )}
      </Card>
    </div>
  );
}

/**
 * A folder that could not be opened (no known layout, a required column missing, a mapping the files do not
 * fit): the editor over its source columns, so the analyst maps them and opens it from here.
 */
function FolderMappingCard({ folder }: { folder: string }) {
  const dataset = useApp((s) => s.dataset);
  const openFolder = useApp((s) => s.openFolder);
  const source = useSourceColumns(folder);
  // nothing to map when the columns cannot be listed (the error above already says why) or none is readable
  if (source.status === 'error' || (source.status === 'ready' && source.data.columns.length === 0))
    return null;
  return (
    <Card
      title="Map this folder's columns"
      hint="Pick which source column holds each field (* required), then open the folder with that mapping"
      testId="folder-mapping"
    >
      {source.status === 'loading' ? (
        <SkeletonRows rows={6} />
      ) : (
        <MappingEditor
          folder={folder}
          src={source.data}
          base={dataset.mapping}
          mode="failed"
          applyError={dataset.error}
          busy={dataset.status === 'opening'}
          onApply={(m) => void openFolder(folder, m)}
        />
      )}
    </Card>
  );
}

function FieldRow({
  label,
  children,
  top = false,
}: {
  label: React.ReactNode;
  children: React.ReactNode;
  /** align the label with the first line of a taller control */
  top?: boolean;
}) {
  return (
    <>
      <span className="k" style={top ? { paddingTop: 7 } : undefined}>
        {label}
      </span>
      <div style={{ minWidth: 0 }}>{children}</div>
    </>
  );
}

function PreviewCard() {
  const preview = useApp((s) => s.dataset.preview);
  const error = useApp((s) => s.dataset.previewError);
  return (
    <Card title="Preview" hint="First 20 events after mapping, in canonical columns">
      {error ? (
        <ErrorBox title="Preview unavailable" message={error} testId="preview-error" />
      ) : !preview ? (
        <SkeletonRows rows={5} />
      ) : (
        <div className="table-wrap" style={{ maxHeight: 360 }} data-testid="preview">
          <table className="data">
            <thead>
              <tr>
                {preview.columns.map((c) => (
                  <th key={c.name} title={c.type}>
                    {c.name}{' '}
                    <span className="muted" style={{ fontWeight: 400 }}>
                      {c.type.toLowerCase()}
                    </span>
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {preview.rows.map((r, i) => (
                <tr key={i}>
                  {preview.columns.map((c) => {
                    const v = r[c.name];
                    return (
                      <td key={c.name} className={typeof v === 'number' ? 'r' : ''}>
                        {v === null || v === undefined ? <span className="muted">null</span> : String(v)}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Card>
  );
}
