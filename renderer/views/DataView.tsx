/** 1 · Data: open a folder or the sample, progress, data-quality profile, layout + mapping editor, preview. */
import { useEffect, useMemo, useState } from 'react';
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
        <ErrorBox
          title={
            dataset.target === 'sample' ? 'The sample could not be opened' : 'The folder could not be opened'
          }
          message={dataset.error}
          testId="open-error"
        />
      )}
      {dataset.opened ? <ProfileSection /> : !busy && dataset.status !== 'error' && <Welcome />}
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

type MappingForm = {
  ts: string;
  timeFormat: string;
  visitor_id: string;
  session_id: string;
  event_type: string;
  item_id: string;
  transaction_id: string;
  price: string;
  quantity: string;
  eventValues: [string, string][];
  dimensions: [string, string][];
};

const FIELDS: { key: keyof MappingForm; label: string; optional: boolean }[] = [
  { key: 'ts', label: 'timestamp', optional: false },
  { key: 'visitor_id', label: 'visitor', optional: false },
  { key: 'event_type', label: 'event type', optional: false },
  { key: 'session_id', label: 'session', optional: true },
  { key: 'item_id', label: 'item', optional: true },
  { key: 'transaction_id', label: 'transaction', optional: true },
  { key: 'price', label: 'price', optional: true },
  { key: 'quantity', label: 'quantity', optional: true },
];

function toForm(m: Record<string, unknown>): MappingForm {
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  return {
    ts: str(m.ts),
    timeFormat: str(m.timeFormat) || 'auto',
    visitor_id: str(m.visitor_id),
    session_id: str(m.session_id),
    event_type: str(m.event_type),
    item_id: str(m.item_id),
    transaction_id: str(m.transaction_id),
    price: str(m.price),
    quantity: str(m.quantity),
    eventValues: Object.entries((m.eventValues as Record<string, string>) ?? {}),
    dimensions: Object.entries((m.dimensions as Record<string, string>) ?? {}),
  };
}

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
    eventValues: Object.fromEntries(f.eventValues.filter(([k]) => k.trim())),
    dimensions: Object.fromEntries(f.dimensions.filter(([k, v]) => k.trim() && v)),
  };
}

function MappingCard() {
  const dataset = useApp((s) => s.dataset);
  const apply = useApp((s) => s.applyMapping);
  const opened = dataset.opened!;
  const initial = useMemo(
    () => toForm((opened.profile.mapping ?? {}) as unknown as Record<string, unknown>),
    [opened],
  );
  const [form, setForm] = useState<MappingForm>(initial);
  const [editing, setEditing] = useState(false);
  useEffect(() => setForm(initial), [initial]);
  // source column names: the preview shows canonical columns after mapping, so the editor takes free text with
  // the columns the current mapping uses as suggestions; the dataset service names any column the files lack
  const known = [
    ...new Set(
      [...FIELDS.map((f) => initial[f.key] as string), ...initial.dimensions.map(([, c]) => c)].filter(
        Boolean,
      ),
    ),
  ];
  const busy = dataset.status !== 'ready' && dataset.status !== 'error';
  const set = (patch: Partial<MappingForm>) => setForm((f) => ({ ...f, ...patch }));

  return (
    <Card
      title="Layout and column mapping"
      actions={
        editing ? (
          <>
            <button
              className="btn ghost small"
              type="button"
              onClick={() => {
                setForm(initial);
                setEditing(false);
              }}
            >
              Discard
            </button>
            <button
              className="btn primary small"
              type="button"
              disabled={busy}
              onClick={() => {
                setEditing(false);
                void apply(fromForm(form));
              }}
              data-testid="apply-mapping"
            >
              Apply and reload
            </button>
          </>
        ) : (
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
      <datalist id="fs-source-columns">
        {known.map((c) => (
          <option key={c} value={c} />
        ))}
      </datalist>
      <div className="mapping-grid">
        {FIELDS.map((f) => (
          <FieldRow key={f.key} label={f.label}>
            {editing ? (
              <input
                className="input"
                style={{ width: '100%', fontFamily: 'var(--mono)', fontSize: 12 }}
                list="fs-source-columns"
                value={form[f.key] as string}
                placeholder={f.optional ? 'not mapped' : 'source column'}
                onChange={(e) => set({ [f.key]: e.target.value.trim() } as Partial<MappingForm>)}
                aria-label={f.label}
                spellCheck={false}
              />
            ) : (
              <span
                className={form[f.key] ? '' : 'muted'}
                style={{ fontFamily: 'var(--mono)', fontSize: 12 }}
              >
                {(form[f.key] as string) || 'not mapped'}
              </span>
            )}
          </FieldRow>
        ))}
        <FieldRow label="time format">
          {editing ? (
            <select
              className="select"
              value={form.timeFormat}
              onChange={(e) => set({ timeFormat: e.target.value })}
              aria-label="time format"
            >
              {['auto', 'epoch_ms', 'epoch_s', 'iso'].map((t) => (
                <option key={t}>{t}</option>
              ))}
            </select>
          ) : (
            <span style={{ fontFamily: 'var(--mono)', fontSize: 12 }}>{form.timeFormat}</span>
          )}
        </FieldRow>
        <FieldRow label="event values">
          <div className="row" style={{ gap: 6 }}>
            {form.eventValues.map(([raw, canon], i) =>
              editing ? (
                <span key={i} className="chip">
                  <input
                    className="input"
                    style={{ height: 22, width: 100 }}
                    value={raw}
                    aria-label="raw event value"
                    onChange={(e) =>
                      set({
                        eventValues: form.eventValues.map((x, j) => (j === i ? [e.target.value, x[1]] : x)),
                      })
                    }
                  />
                  →
                  <select
                    className="select"
                    style={{ height: 22, width: 130 }}
                    value={canon}
                    aria-label="canonical event"
                    onChange={(e) =>
                      set({
                        eventValues: form.eventValues.map((x, j) => (j === i ? [x[0], e.target.value] : x)),
                      })
                    }
                  >
                    {['view', 'cart', 'purchase', 'remove_from_cart'].map((t) => (
                      <option key={t}>{t}</option>
                    ))}
                  </select>
                </span>
              ) : (
                <span key={i} className="chip">
                  {raw} → <strong>{canon}</strong>
                </span>
              ),
            )}
            {editing && (
              <button
                className="btn ghost small"
                type="button"
                onClick={() => set({ eventValues: [...form.eventValues, ['', 'view']] })}
              >
                + value
              </button>
            )}
          </div>
        </FieldRow>
        <FieldRow label="dimensions">
          <div className="row" style={{ gap: 6 }}>
            {form.dimensions.map(([name, col], i) =>
              editing ? (
                <span key={i} className="chip">
                  <input
                    className="input"
                    style={{ height: 22, width: 80 }}
                    value={name}
                    aria-label="dimension name"
                    onChange={(e) =>
                      set({
                        dimensions: form.dimensions.map((x, j) => (j === i ? [e.target.value, x[1]] : x)),
                      })
                    }
                  />
                  ←
                  <input
                    className="input"
                    style={{ height: 22, width: 110, fontFamily: 'var(--mono)', fontSize: 12 }}
                    list="fs-source-columns"
                    value={col}
                    aria-label="dimension column"
                    spellCheck={false}
                    onChange={(e) =>
                      set({
                        dimensions: form.dimensions.map((x, j) =>
                          j === i ? [x[0], e.target.value.trim()] : x,
                        ),
                      })
                    }
                  />
                  <button
                    type="button"
                    aria-label={`Remove ${name}`}
                    onClick={() => set({ dimensions: form.dimensions.filter((_, j) => j !== i) })}
                  >
                    ×
                  </button>
                </span>
              ) : (
                <span key={i} className="chip">
                  <strong>{name}</strong> ← {col}
                </span>
              ),
            )}
            {editing && (
              <button
                className="btn ghost small"
                type="button"
                onClick={() => set({ dimensions: [...form.dimensions, ['', '']] })}
              >
                + dimension
              </button>
            )}
          </div>
        </FieldRow>
      </div>
    </Card>
  );
}

function FieldRow({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <>
      <span className="k">{label}</span>
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
