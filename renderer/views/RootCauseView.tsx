/** 4 · Root cause: σ table per dimension with click-to-drill, ranked candidates from core explain, the finding. */
import { ExportReportButton } from '../components/ExportReport.js';
import { useState } from 'react';
import { useApp, useAnalysis } from '../app/context.js';
import { Card, Delta, Empty, ErrorBox, Segmented, SigmaBadge, SkeletonRows } from '../components/ui.js';
import {
  displayDimension,
  displayValue,
  fmtInt,
  fmtMean,
  fmtPct,
  fmtSigma,
  segmentLabel,
} from '../lib/format.js';
import type { RootCauseResult } from '../worker/protocol.js';
import type { ExplainRow, RankedCandidate } from '../../core/explain.js';
import type { Segment } from '../../core/types.js';
import { ComparisonBar, NoData } from './common.js';

export function RootCauseView() {
  const summary = useApp((s) => s.dataset.summary);
  const comparison = useApp((s) => s.comparison);
  const drill = useApp((s) => s.drill);
  const drillDimension = useApp((s) => s.drillDimension);
  const res = useAnalysis(
    'rootcause',
    summary && comparison
      ? {
          baseline: comparison.baseline,
          incident: comparison.incident,
          filter: drill,
          dimension: drillDimension,
        }
      : null,
  );
  if (!summary || !comparison) return <NoData />;
  const data = res.data;
  return (
    <div
      className="stack"
      data-testid="rootcause"
      data-version={res.version}
      data-loading={res.loading ? 'true' : 'false'}
    >
      <ComparisonBar />
      {res.error && <ErrorBox title="The σ analysis could not be computed" message={res.error} />}
      <Card testId="finding-card">
        {data ? (
          <div className="row" style={{ alignItems: 'flex-start', flexWrap: 'nowrap' }}>
            <span
              className={`badge ${data.candidates.length ? 'pill-bad' : 'pill-ok'}`}
              style={{ marginTop: 4 }}
            >
              Finding
            </span>
            <div className="finding" data-testid="finding" style={{ flex: 1 }}>
              {data.finding}
            </div>
            <ExportReportButton segment={Object.keys(drill).length ? drill : undefined} />
          </div>
        ) : (
          <SkeletonRows rows={1} height={24} />
        )}
      </Card>
      <Candidates data={data} />
      <DrillTable data={data} loading={res.loading} />
    </div>
  );
}

function Breadcrumbs({ drill, order }: { drill: Segment; order: string[] }) {
  const drillBack = useApp((s) => s.drillBack);
  const entries = Object.entries(drill);
  return (
    <nav className="breadcrumbs" aria-label="Drill-down path" data-testid="breadcrumbs">
      {entries.length === 0 ? (
        <span className="current">All traffic</span>
      ) : (
        <button type="button" onClick={() => drillBack(0)}>
          All traffic
        </button>
      )}
      {entries.map(([d, v], i) => (
        <span key={d} className="row" style={{ gap: 4 }}>
          <span className="sep">▸</span>
          {i === entries.length - 1 ? (
            <span className="current">
              <span className="muted">{displayDimension(d)}</span> {displayValue(v)}
            </span>
          ) : (
            <button type="button" onClick={() => drillBack(i + 1)}>
              {displayValue(v)}
            </button>
          )}
        </span>
      ))}
      <span className="sr-only">{segmentLabel(drill, order)}</span>
    </nav>
  );
}

function DrillTable({ data, loading }: { data: RootCauseResult | null; loading: boolean }) {
  const summary = useApp((s) => s.dataset.summary)!;
  const drill = useApp((s) => s.drill);
  const drillInto = useApp((s) => s.drillInto);
  const setDrillDimension = useApp((s) => s.setDrillDimension);
  const dim = data?.dimension ?? '';
  const rows: ExplainRow[] = (data?.dimensions[dim] ?? [])
    .slice()
    .sort((a, b) => (a.deviationSigma ?? 0) - (b.deviationSigma ?? 0) || b.purchasesLost - a.purchasesLost);
  const canDrill = (data?.remaining.length ?? 0) > 1;
  return (
    <Card
      title="σ analysis"
      hint={canDrill ? 'Click a value to drill into the next dimension' : undefined}
      actions={
        data && data.remaining.length > 0 ? (
          <Segmented
            label="Dimension"
            value={dim}
            options={data.remaining.map((d) => ({ value: d, label: displayDimension(d) }))}
            onChange={setDrillDimension}
          />
        ) : null
      }
      testId="drill-card"
    >
      <div style={{ marginBottom: 10 }}>
        <Breadcrumbs drill={drill} order={summary.dimensions} />
      </div>
      {!data ? (
        <SkeletonRows rows={6} />
      ) : data.remaining.length === 0 ? (
        <Empty title="Every dimension is fixed">
          This segment cannot be split further. Go back up the path to compare its siblings.
        </Empty>
      ) : rows.length === 0 ? (
        <Empty title="No values in these periods">
          The segment had no traffic in the baseline or the incident period.
        </Empty>
      ) : (
        <div className="table-wrap" style={{ opacity: loading ? 0.6 : 1 }}>
          <table
            className="data"
            data-testid="rootcause-table"
            data-version={data ? `${dim}:${JSON.stringify(data.filter)}` : ''}
          >
            <thead>
              <tr>
                <th>{displayDimension(dim)}</th>
                <th className="r" title="Purchases per day in the baseline: mean ± σ">
                  Baseline / day
                </th>
                <th className="r" title="Purchases per day in the incident period">
                  Incident / day
                </th>
                <th className="r" title="(incident − baseline) / σ of purchases per day">
                  Deviation
                </th>
                <th className="r">Views</th>
                <th className="r">Conversion</th>
                <th className="r" title="(baseline − incident conversion) × incident views">
                  Purchases lost
                </th>
                <th className="r" title="Share of all lost purchases">
                  Explains
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => {
                const value = r.segment[dim];
                return (
                  <tr
                    key={value}
                    className={canDrill ? 'clickable' : ''}
                    onClick={canDrill ? () => drillInto(dim, value) : undefined}
                    tabIndex={canDrill ? 0 : undefined}
                    onKeyDown={
                      canDrill
                        ? (e) => {
                            if (e.key === 'Enter' || e.key === ' ') {
                              e.preventDefault();
                              drillInto(dim, value);
                            }
                          }
                        : undefined
                    }
                    data-value={value}
                  >
                    <td>
                      <strong style={{ fontWeight: 600 }}>{displayValue(value)}</strong>
                      {canDrill && <span className="muted"> ▸</span>}
                    </td>
                    <td className="r">
                      {fmtMean(r.steps.purchases.baselineMean)}{' '}
                      <span className="muted">± {fmtMean(r.steps.purchases.baselineSigma)}</span>
                    </td>
                    <td className="r">{fmtMean(r.steps.purchases.incidentMean)}</td>
                    <td className="r">
                      <SigmaBadge value={r.deviationSigma} text={fmtSigma(r.deviationSigma)} />
                    </td>
                    <td className="r">
                      <Delta value={r.steps.views.change} />
                    </td>
                    <td className="r">
                      <span className="muted">{fmtPct(r.baselineConversion)} →</span>{' '}
                      {fmtPct(r.incidentConversion)} <Delta value={r.conversionChange} />
                    </td>
                    <td className={`r ${r.purchasesLost > 0.5 ? 'tone-bad' : ''}`}>
                      {fmtInt(r.purchasesLost)}
                    </td>
                    <td className="r">{r.explains > 0 ? fmtPct(r.explains, 0) : '—'}</td>
                  </tr>
                );
              })}
            </tbody>
            <tfoot>
              <tr>
                <td>{Object.keys(drill).length ? 'This segment' : 'All traffic'}</td>
                <td className="r">
                  {fmtMean(data.total.steps.purchases.baselineMean)}{' '}
                  <span className="muted">± {fmtMean(data.total.steps.purchases.baselineSigma)}</span>
                </td>
                <td className="r">{fmtMean(data.total.steps.purchases.incidentMean)}</td>
                <td className="r">
                  <SigmaBadge
                    value={data.total.steps.purchases.deviationSigma}
                    text={fmtSigma(data.total.steps.purchases.deviationSigma)}
                  />
                </td>
                <td className="r">
                  <Delta value={data.total.steps.views.change} />
                </td>
                <td className="r">
                  <span className="muted">{fmtPct(data.total.baselineConversion)} →</span>{' '}
                  {fmtPct(data.total.incidentConversion)}
                </td>
                <td className="r">{fmtInt(data.total.netPurchasesLost)}</td>
                <td className="r" />
              </tr>
            </tfoot>
          </table>
        </div>
      )}
    </Card>
  );
}

function Candidates({ data }: { data: RootCauseResult | null }) {
  const summary = useApp((s) => s.dataset.summary)!;
  const [all, setAll] = useState(false);
  const list = data ? data.candidates.slice(0, all ? 25 : 5) : [];
  return (
    <Card
      title="Root-cause candidates"
      hint="segments ranked by core explain: share of the lost purchases × how unusual the drop is"
      actions={
        data && data.candidates.length > 5 ? (
          <button className="btn small ghost" type="button" onClick={() => setAll(!all)}>
            {all ? 'Show top 5' : `Show all ${data.candidates.length}`}
          </button>
        ) : null
      }
      testId="candidates"
    >
      {!data ? (
        <SkeletonRows rows={5} height={26} />
      ) : data.candidates.length === 0 ? (
        <div className="small muted">No segment lost purchases between these periods.</div>
      ) : (
        <div className="table-wrap">
          <table className="data" data-testid="candidate-list">
            <thead>
              <tr>
                <th style={{ width: 36 }}>#</th>
                <th>Segment</th>
                <th>Drill-down path</th>
                <th className="r">Explains</th>
                <th className="r">Deviation</th>
                <th className="r">Purchases lost</th>
                <th className="r">Conversion</th>
              </tr>
            </thead>
            <tbody>
              {list.map((c, i) => (
                <Candidate key={JSON.stringify(c.segment)} c={c} rank={i + 1} order={summary.dimensions} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Card>
  );
}

function Candidate({ c, rank, order }: { c: RankedCandidate; rank: number; order: string[] }) {
  const drillTo = useApp((s) => s.drillTo);
  return (
    <tr data-testid="candidate" data-segment={JSON.stringify(c.segment)}>
      <td>
        <span
          className="cand-rank"
          style={rank === 1 ? { background: 'var(--bad-soft)', color: 'var(--bad)' } : undefined}
        >
          {rank}
        </span>
      </td>
      <td>
        <strong style={{ fontWeight: 620 }}>{segmentLabel(c.segment, order)}</strong>
      </td>
      <td className="cand-path">
        {c.path.map((p, i) => {
          const parent = i > 0 ? c.path[i - 1] : {};
          const added = Object.keys(p).find((k) => !(k in parent)) ?? Object.keys(p)[0];
          return (
            <span key={i}>
              {i > 0 && ' ▸ '}
              <button
                type="button"
                onClick={() => drillTo(parent, added)}
                title={`Show the ${displayDimension(added).toLowerCase()} values${i > 0 ? ' inside ' + segmentLabel(parent, order) : ''} in the σ table`}
              >
                {displayValue(p[added])}
              </button>
            </span>
          );
        })}
      </td>
      <td className="r" style={{ fontWeight: 650 }}>
        {fmtPct(c.explains, 0)}
      </td>
      <td className="r">
        <SigmaBadge value={c.deviationSigma} text={fmtSigma(c.deviationSigma)} />
      </td>
      <td className="r tone-bad">{fmtInt(c.purchasesLost)}</td>
      <td className="r">
        <span className="muted">{fmtPct(c.baselineConversion)} →</span> {fmtPct(c.incidentConversion)}
      </td>
    </tr>
  );
}
