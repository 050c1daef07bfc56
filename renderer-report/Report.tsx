/**
 * The incident report: a headline and a plain-language summary first, then the evidence (conversion over
 * time, funnel, root cause, calendar, other alerts), then method and data quality. Lays out the model only;
 * every number comes from core (core/report.ts) and is formatted with reportFormat.
 */
import { reportFormat as F, type FunnelSide, type ReportModel } from '../core/report.js';
import type { DetectionStatus } from '../core/types.js';
import {
  CalendarChart,
  ConversionChart,
  FunnelChangeChart,
  PurchasesChart,
  STATUS_COLORS,
  STATUS_LABELS,
} from './charts.js';

const RELATION_LABEL: Record<string, string> = {
  contains: 'contains the culprit',
  inside: 'inside the culprit',
  overlap: 'overlaps the culprit',
  unrelated: 'unrelated',
  incident: 'the culprit',
};

function sigmaClass(x: number | null): string {
  if (x === null) return '';
  if (x <= -3) return 'bad';
  if (x <= -2) return 'warn';
  return '';
}

function Kpi({
  label,
  value,
  note,
  tone,
}: {
  label: string;
  value: string;
  note?: string;
  tone?: 'bad' | 'warn';
}) {
  return (
    <div className={`kpi ${tone ?? ''}`}>
      <div className="kpi-label">{label}</div>
      <div className="kpi-value">{value}</div>
      {note ? <div className="kpi-note">{note}</div> : null}
    </div>
  );
}

function Section({
  n,
  title,
  children,
  className,
}: {
  n?: string;
  title: string;
  children: React.ReactNode;
  className?: string;
}) {
  return (
    <section className={className}>
      <h2>
        {n ? <span className="num">{n}</span> : null}
        {title}
      </h2>
      {children}
    </section>
  );
}

function Header({ model }: { model: ReportModel }) {
  return (
    <header className="report-header">
      <div className="brand">Funnelscope · Incident report</div>
      <div className="meta">Generated {model.generatedAtText}</div>
    </header>
  );
}

function Facts({ model }: { model: ReportModel }) {
  const p = model.periods;
  return (
    <div className="facts">
      <span>
        <b>Data</b> {model.source.label} ({F.period(p.data)})
      </span>
      <span>
        <b>Baseline</b> {F.period(p.baseline)}
      </span>
      <span>
        <b>Incident</b> {F.period(p.incident)}
      </span>
      <span>
        <b>Segment</b> {model.culprit.exact}
      </span>
    </div>
  );
}

function KeyFigures({ model }: { model: ReportModel }) {
  const k = model.keyFigures;
  const detected = k.firstCritical
    ? {
        value: F.date(k.firstCritical),
        note: `${F.plural(k.detectionDelayDays ?? 0, 'day')} after start`,
      }
    : { value: 'Not yet', note: 'no CRITICAL alert in the period' };
  return (
    <div className="kpis">
      <Kpi
        label="Purchases lost"
        value={F.int(k.purchasesLost)}
        note={k.revenueLost !== null ? `≈ ${F.money(k.revenueLost)} revenue` : 'estimated, so far'}
        tone={model.hasIncident ? 'bad' : undefined}
      />
      <Kpi
        label="Conversion"
        value={`${F.pct(k.conversionBefore)} → ${F.pct(k.conversionDuring)}`}
        note={`${F.change(k.conversionChange)} vs baseline`}
      />
      <Kpi label="Share of loss" value={F.share(k.explains)} note={`drop ${F.sigma(k.deviationSigma)}`} />
      <Kpi
        label="Started"
        value={F.date(k.incidentStart)}
        note={`${F.plural(k.incidentDays, 'day')} so far`}
      />
      <Kpi label="Detected" value={detected.value} note={detected.note} />
      <Kpi
        label={`Status on ${F.date(k.latestDate, false)}`}
        value={STATUS_LABELS[k.latestStatus]}
        note={k.worstDaySigma !== null ? `worst day ${F.sigma(k.worstDaySigma)}` : undefined}
        tone={k.latestStatus === 'CRITICAL' ? 'bad' : k.latestStatus === 'ANOMALY' ? 'warn' : undefined}
      />
    </div>
  );
}

/** A table column: header text, width (share of the table) and alignment ('r' = right). */
type Col = readonly [label: string, width?: string | null, align?: 'r'];

/** colgroup (when any column has a width) + thead of one header row; `null` columns are left out. */
function Head({ cols }: { cols: readonly (Col | null)[] }) {
  const shown = cols.filter((c): c is Col => c !== null);
  return (
    <>
      {shown.some((c) => c[1]) ? (
        <colgroup>
          {shown.map((c, i) => (
            <col key={i} style={c[1] ? { width: c[1] } : undefined} />
          ))}
        </colgroup>
      ) : null}
      <thead>
        <tr>
          {shown.map((c, i) => (
            <th key={i} className={c[2]}>
              {c[0]}
            </th>
          ))}
        </tr>
      </thead>
    </>
  );
}

/** A two-column key/value table. */
function KvTable({
  className,
  head,
  rows,
  valueClass,
}: {
  className: string;
  head: readonly [Col, Col];
  rows: readonly (readonly [key: string, label: React.ReactNode, value: React.ReactNode])[];
  valueClass?: string;
}) {
  return (
    <table className={className}>
      <Head cols={head} />
      <tbody>
        {rows.map(([key, label, value]) => (
          <tr key={key}>
            <td>{label}</td>
            <td className={valueClass}>{value}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function FunnelTable({ model }: { model: ReportModel }) {
  const sides: FunnelSide[] = [model.funnel.allTraffic, model.funnel.culprit];
  return (
    <table className="data funnel">
      <Head
        cols={[
          ['Segment', '23%'],
          ['Step', '19%'],
          ['Per day, baseline', '17%', 'r'],
          ['Per day, incident', '17%', 'r'],
          ['Change', '12%', 'r'],
          ['σ', '12%', 'r'],
        ]}
      />
      {sides.map((side) => (
        <tbody key={side.label} className="group">
          {side.steps.map((s, i) => (
            <tr key={s.step}>
              {i === 0 ? (
                <td rowSpan={5} className="seg">
                  <strong>{side.label}</strong>
                </td>
              ) : null}
              <td>{s.step[0].toUpperCase() + s.step.slice(1)}</td>
              <td className="r">{F.mean(s.baselineMean)}</td>
              <td className="r">{F.mean(s.incidentMean)}</td>
              <td className={`r ${s.change !== null && s.change <= -0.2 ? 'bad' : ''}`}>
                {F.change(s.change)}
              </td>
              <td className={`r ${sigmaClass(s.deviationSigma)}`}>{F.sigma(s.deviationSigma)}</td>
            </tr>
          ))}
          <RateRow label="Cart → purchase" rate={side.checkoutRate} />
          <RateRow label="View → purchase" rate={side.conversion} />
        </tbody>
      ))}
    </table>
  );
}

function RootCauseTable({ model }: { model: ReportModel }) {
  const rc = model.rootCause;
  const revenue = model.revenueAvailable;
  if (rc.candidates.length === 0)
    return <p className="note">No segment lost purchases between the two periods.</p>;
  return (
    <table className="data rootcause">
      <Head
        cols={[
          ['#', '4%', 'r'],
          ['Segment and drill-down path', revenue ? '27%' : '35%'],
          ['Explains', '9%', 'r'],
          ['Purchases lost', '10%', 'r'],
          revenue ? ['Revenue lost', '10%', 'r'] : null,
          ['σ', '8%', 'r'],
          ['Conversion', '17%', 'r'],
          ['Views / purchases', '15%', 'r'],
        ]}
      />
      <tbody>
        {rc.candidates.map((c) => (
          <tr key={c.exact} className={c.isCulprit ? 'culprit' : ''}>
            <td className="r">{c.rank}</td>
            <td>
              <div className="seg-name">{c.label}</div>
              <div className="path">
                {c.path.map((p, i) => (
                  <span key={p.dimension}>
                    {i > 0 ? <span className="arrow"> → </span> : null}
                    {p.dimension}={p.value}
                  </span>
                ))}
              </div>
            </td>
            <td className="r">{F.share(c.explains)}</td>
            <td className="r">{F.int(c.purchasesLost)}</td>
            {revenue ? <td className="r">{F.money(c.revenueLost)}</td> : null}
            <td className={`r ${sigmaClass(c.deviationSigma)}`}>{F.sigma(c.deviationSigma)}</td>
            <td className="r">
              {F.pct(c.baselineConversion)} → {F.pct(c.incidentConversion)}
            </td>
            <td className="r">
              {F.change(c.viewsChange)} / {F.change(c.purchasesChange)}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function CalendarLegend({ counts }: { counts: Record<DetectionStatus, number> }) {
  const order: DetectionStatus[] = ['OK', 'ANOMALY', 'CRITICAL', 'INSUFFICIENT_DATA', 'NO_DATA'];
  return (
    <div className="legend">
      {order.map((s) => (
        <span key={s} className="legend-item">
          <span className="swatch" style={{ background: STATUS_COLORS[s] }} />
          {STATUS_LABELS[s]} <span className="muted">({counts[s]})</span>
        </span>
      ))}
    </div>
  );
}

function ScanTable({ model }: { model: ReportModel }) {
  const alerts = model.scan.alerts;
  if (alerts.length === 0) return null;
  return (
    <table className="data scan">
      <Head
        cols={[
          ['Segment', '30%'],
          ['Relation', '20%'],
          ['Critical periods', '26%'],
          ['Worst day', '12%', 'r'],
          ['Purchases lost', '12%', 'r'],
        ]}
      />
      <tbody>
        {alerts.map((a) => (
          <tr key={a.exact} className={a.relation === 'unrelated' ? 'unrelated' : ''}>
            <td>
              <div className="seg-name">{a.label}</div>
              <div className="path">{a.exact}</div>
            </td>
            <td>{RELATION_LABEL[a.relation] ?? a.relation}</td>
            <td>
              {a.periods.map((p) => (
                <div key={p.start}>
                  {F.period({ from: p.start, to: p.end })}{' '}
                  <span className="muted">({F.plural(p.days, 'day')})</span>
                </div>
              ))}
            </td>
            <td className={`r ${sigmaClass(a.worstSigma)}`}>{F.sigma(a.worstSigma)}</td>
            <td className="r">{F.int(a.purchasesLost)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function DataQuality({ model }: { model: ReportModel }) {
  const q = model.dataQuality;
  return (
    <>
      <ul className="notes">
        {q.notes.map((n) => (
          <li key={n}>{n}</li>
        ))}
      </ul>
      <div className="three-col">
        <KvTable
          className="data kv"
          head={[['Load'], ['Value', null, 'r']]}
          valueClass="r"
          rows={[
            ['layout', 'Layout', q.layout],
            ['read', 'Files read', F.int(q.filesRead)],
            ['skipped', 'Files skipped', F.int(q.filesSkipped.length)],
            ['rows', 'Rows read', F.int(q.rowsRead)],
            ...q.rejected.map(
              (r) =>
                [`rejected-${r.reason}`, `Rejected: ${r.reason.replace(/_/g, ' ')}`, F.int(r.count)] as const,
            ),
            ['duplicates', 'Duplicates (counted once)', F.int(q.duplicates)],
            ['from', 'First day', q.range.from ?? '—'],
            ['to', 'Last day', q.range.to ?? '—'],
          ]}
        />
        <KvTable
          className="data kv"
          head={[['Column mapping'], ['Column']]}
          valueClass="mono"
          rows={q.columns.map((c) => [c.role, c.role, c.column] as const)}
        />
        <KvTable
          className="data kv"
          head={[['Dimension'], ['Values', null, 'r']]}
          valueClass="r"
          rows={q.dimensions.map((d) => [d.name, d.name, F.int(d.distinct)] as const)}
        />
      </div>
      {q.filesSkipped.length ? (
        <KvTable
          className="data skipped"
          head={[
            ['Skipped file', '40%'],
            ['Reason', '60%'],
          ]}
          rows={q.filesSkipped.map(
            (f) => [f.file, <span className="mono">{f.file}</span>, f.reason] as const,
          )}
        />
      ) : null}
    </>
  );
}

function halves<T>(xs: T[]): [T[], T[]] {
  const n = Math.ceil(xs.length / 2);
  return [xs.slice(0, n), xs.slice(n)];
}

export function Report({ model }: { model: ReportModel }) {
  const k = model.keyFigures;
  const p = model.periods;
  return (
    <main className="report">
      <Header model={model} />
      <div className="title-block">
        <div className={`badge ${model.hasIncident ? 'bad' : 'ok'}`}>
          {model.hasIncident
            ? `${STATUS_LABELS[k.latestStatus]} · ${F.int(k.purchasesLost)} purchases lost`
            : 'No significant loss'}
        </div>
        <h1>{model.title}</h1>
        <p className="headline">{model.headline}</p>
      </div>
      <Facts model={model} />
      <p className="summary">{model.summary}</p>
      <KeyFigures model={model} />

      <Section n="1" title="Conversion over time" className="keep">
        <p className="caption">
          Daily conversion (purchases ÷ views) of <strong>{model.culprit.label}</strong> against what the
          detector expected from its own history; the shaded area is the incident ({F.period(p.incident)}),
          dots mark days the detector flagged. All traffic in grey for comparison.
        </p>
        <ConversionChart model={model} />
        <p className="caption chart-title">
          Purchases per day, against what the segment's views would have bought at the expected conversion
          (the gap in the incident is the loss):
        </p>
        <PurchasesChart model={model} />
      </Section>

      <Section n="2" title="Where the funnel broke" className="keep">
        <p className="caption">
          Average per day in the incident ({F.period(p.incident)}) against the baseline (
          {F.period(p.baseline)}). σ = change in baseline standard deviations of the daily counts.
        </p>
        <FunnelChangeChart model={model} />
        <FunnelTable model={model} />
      </Section>

      <Section n="3" title="Root cause: which segment explains the loss">
        <p className="caption">
          All segments of {model.rootCause.dimensions.join(', ')} and their combinations (up to{' '}
          {model.rootCause.maxDepth}) ranked by share of the {F.int(model.rootCause.totalPurchasesLost)}{' '}
          purchases lost
          {model.rootCause.totalRevenueLost !== null
            ? ` (${F.money(model.rootCause.totalRevenueLost)} revenue)`
            : ''}{' '}
          and by how unusual their drop is. The path shows how to drill down to each segment, one dimension at
          a time.
          {model.rootCause.moreCandidates > 0
            ? ` ${F.plural(model.rootCause.moreCandidates, 'more candidate')} not shown.`
            : ''}
        </p>
        <RootCauseTable model={model} />
      </Section>

      <Section n="4" title={`Anomaly calendar: ${model.culprit.label}`} className="keep">
        <p className="caption">
          The detector's verdict for every day from {F.date(model.calendar.from)} to{' '}
          {F.date(model.calendar.to)} (weeks start on Monday).
        </p>
        <CalendarChart model={model} />
        <CalendarLegend counts={model.calendar.counts} />
      </Section>

      <Section n="5" title="Other segments with alerts">
        <p className="caption">{model.scan.text}</p>
        <ScanTable model={model} />
      </Section>

      <Section n="6" title="Method and settings" className="method">
        {model.methodology.paragraphs.map((t) => (
          <p key={t.slice(0, 40)} className="small">
            {t}
          </p>
        ))}
        <div className="two-col">
          {halves(model.methodology.table).map((rows, i) => (
            <KvTable
              key={i}
              className="data kv settings"
              head={[
                ['Setting', '52%'],
                ['Value', '48%'],
              ]}
              valueClass="val"
              rows={rows.map((r) => [r.name, r.name, r.value] as const)}
            />
          ))}
        </div>
      </Section>

      <Section n="A" title="Appendix: data quality" className="appendix">
        <p className="caption">
          Source: <span className="mono">{model.source.path}</span>
        </p>
        <DataQuality model={model} />
      </Section>
    </main>
  );
}

/** A ratio row of the funnel table (baseline, incident, relative change; no σ). */
function RateRow({
  label,
  rate,
}: {
  label: string;
  rate: { baseline: number | null; incident: number | null };
}) {
  return (
    <tr className="sub">
      <td>{label}</td>
      <td className="r">{F.pct(rate.baseline)}</td>
      <td className="r">{F.pct(rate.incident)}</td>
      <td className="r">
        {F.change(rate.baseline && rate.incident !== null ? rate.incident / rate.baseline - 1 : null)}
      </td>
      <td />
    </tr>
  );
}
