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

function FunnelTable({ model }: { model: ReportModel }) {
  const sides: FunnelSide[] = [model.funnel.allTraffic, model.funnel.culprit];
  return (
    <table className="data funnel">
      <colgroup>
        <col style={{ width: '23%' }} />
        <col style={{ width: '19%' }} />
        <col style={{ width: '17%' }} />
        <col style={{ width: '17%' }} />
        <col style={{ width: '12%' }} />
        <col style={{ width: '12%' }} />
      </colgroup>
      <thead>
        <tr>
          <th>Segment</th>
          <th>Step</th>
          <th className="r">Per day, baseline</th>
          <th className="r">Per day, incident</th>
          <th className="r">Change</th>
          <th className="r">σ</th>
        </tr>
      </thead>
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
      <colgroup>
        <col style={{ width: '4%' }} />
        <col style={{ width: revenue ? '27%' : '35%' }} />
        <col style={{ width: '9%' }} />
        <col style={{ width: '10%' }} />
        {revenue ? <col style={{ width: '10%' }} /> : null}
        <col style={{ width: '8%' }} />
        <col style={{ width: '17%' }} />
        <col style={{ width: '15%' }} />
      </colgroup>
      <thead>
        <tr>
          <th className="r">#</th>
          <th>Segment and drill-down path</th>
          <th className="r">Explains</th>
          <th className="r">Purchases lost</th>
          {revenue ? <th className="r">Revenue lost</th> : null}
          <th className="r">σ</th>
          <th className="r">Conversion</th>
          <th className="r">Views / purchases</th>
        </tr>
      </thead>
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
      <colgroup>
        <col style={{ width: '30%' }} />
        <col style={{ width: '20%' }} />
        <col style={{ width: '26%' }} />
        <col style={{ width: '12%' }} />
        <col style={{ width: '12%' }} />
      </colgroup>
      <thead>
        <tr>
          <th>Segment</th>
          <th>Relation</th>
          <th>Critical periods</th>
          <th className="r">Worst day</th>
          <th className="r">Purchases lost</th>
        </tr>
      </thead>
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
        <table className="data kv">
          <thead>
            <tr>
              <th>Load</th>
              <th className="r">Value</th>
            </tr>
          </thead>
          <tbody>
            <tr>
              <td>Layout</td>
              <td className="r">{q.layout}</td>
            </tr>
            <tr>
              <td>Files read</td>
              <td className="r">{F.int(q.filesRead)}</td>
            </tr>
            <tr>
              <td>Files skipped</td>
              <td className="r">{F.int(q.filesSkipped.length)}</td>
            </tr>
            <tr>
              <td>Rows read</td>
              <td className="r">{F.int(q.rowsRead)}</td>
            </tr>
            {q.rejected.map((r) => (
              <tr key={r.reason}>
                <td>Rejected: {r.reason.replace(/_/g, ' ')}</td>
                <td className="r">{F.int(r.count)}</td>
              </tr>
            ))}
            <tr>
              <td>Duplicates (counted once)</td>
              <td className="r">{F.int(q.duplicates)}</td>
            </tr>
            <tr>
              <td>First day</td>
              <td className="r">{q.range.from ?? '—'}</td>
            </tr>
            <tr>
              <td>Last day</td>
              <td className="r">{q.range.to ?? '—'}</td>
            </tr>
          </tbody>
        </table>
        <table className="data kv">
          <thead>
            <tr>
              <th>Column mapping</th>
              <th>Column</th>
            </tr>
          </thead>
          <tbody>
            {q.columns.map((c) => (
              <tr key={c.role}>
                <td>{c.role}</td>
                <td className="mono">{c.column}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <table className="data kv">
          <thead>
            <tr>
              <th>Dimension</th>
              <th className="r">Values</th>
            </tr>
          </thead>
          <tbody>
            {q.dimensions.map((d) => (
              <tr key={d.name}>
                <td>{d.name}</td>
                <td className="r">{F.int(d.distinct)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {q.filesSkipped.length ? (
        <table className="data skipped">
          <colgroup>
            <col style={{ width: '40%' }} />
            <col style={{ width: '60%' }} />
          </colgroup>
          <thead>
            <tr>
              <th>Skipped file</th>
              <th>Reason</th>
            </tr>
          </thead>
          <tbody>
            {q.filesSkipped.map((f) => (
              <tr key={f.file}>
                <td className="mono">{f.file}</td>
                <td>{f.reason}</td>
              </tr>
            ))}
          </tbody>
        </table>
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
            <table key={i} className="data kv settings">
              <colgroup>
                <col style={{ width: '52%' }} />
                <col style={{ width: '48%' }} />
              </colgroup>
              <thead>
                <tr>
                  <th>Setting</th>
                  <th>Value</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr key={r.name}>
                    <td>{r.name}</td>
                    <td className="val">{r.value}</td>
                  </tr>
                ))}
              </tbody>
            </table>
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
