/** 3 · Funnel comparison: baseline vs incident, all traffic and a segment side by side, per-step change and σ. */
import { useApp, useAnalysis } from '../app/context.js';
import { Card, Delta, ErrorBox, SigmaBadge, SkeletonRows } from '../components/ui.js';
import { fmtMean, fmtPct, fmtPeriod, fmtSigma, segmentLabel } from '../lib/format.js';
import type { FunnelSide } from '../worker/protocol.js';
import { ComparisonBar, NoData, SegmentPicker } from './common.js';

const STEPS = [
  { key: 'views', label: 'Views / day', color: 'var(--views)' },
  { key: 'carts', label: 'Carts / day', color: 'var(--carts)' },
  { key: 'purchases', label: 'Purchases / day', color: 'var(--purchases)' },
] as const;

export function FunnelView() {
  const summary = useApp((s) => s.dataset.summary);
  const comparison = useApp((s) => s.comparison);
  const segment = useApp((s) => s.segment);
  const setSegment = useApp((s) => s.setSegment);
  const suggestion = useApp((s) => s.suggestion);
  const res = useAnalysis(
    'funnel',
    summary && comparison ? { baseline: comparison.baseline, incident: comparison.incident, segment } : null,
  );
  if (!summary || !comparison) return <NoData />;
  const data = res.data;
  return (
    <div className="stack" data-testid="funnel" data-version={res.version}>
      <ComparisonBar />
      <div className="row">
        <span className="small muted">Segment</span>
        <SegmentPicker
          value={segment}
          onChange={(s) => setSegment(s === 'worst' ? {} : s)}
          testId="funnel-segment"
        />
        {Object.keys(segment).length === 0 && suggestion?.segment && (
          <button
            className="btn small"
            type="button"
            onClick={() => setSegment(suggestion.segment!)}
            data-testid="funnel-suggested-segment"
          >
            Compare with {segmentLabel(suggestion.segment, summary.dimensions)} (flagged by the detector)
          </button>
        )}
      </div>
      {res.error && <ErrorBox title="The comparison could not be computed" message={res.error} />}
      <div className={data?.segment ? 'grid-2' : ''}>
        {data ? (
          <SideCard side={data.all} />
        ) : (
          <Card>
            <SkeletonRows rows={6} />
          </Card>
        )}
        {data?.segment && <SideCard side={data.segment} highlight />}
      </div>
      {data && (
        <div className="small muted">
          Means per day over the days with data: baseline {fmtPeriod(data.baseline)} ({data.all.days.baseline}{' '}
          days), incident {fmtPeriod(data.incident)} ({data.all.days.incident} days). σ is the day-to-day
          standard deviation in the baseline; the deviation is (incident mean − baseline mean) / σ.
        </div>
      )}
    </div>
  );
}

function SideCard({ side, highlight }: { side: FunnelSide; highlight?: boolean }) {
  const summary = useApp((s) => s.dataset.summary)!;
  const scale = (x: number, key: string) => {
    // views dwarf carts and purchases: scale each step to its own maximum so the change stays visible
    const m = Math.max(
      side.steps[key as 'views'].baselineMean,
      side.steps[key as 'views'].incidentMean,
      1e-9,
    );
    return `${Math.max(1, (x / m) * 100)}%`;
  };
  return (
    <Card
      title={segmentLabel(side.segment, summary.dimensions)}
      hint={highlight ? 'segment' : undefined}
      testId={highlight ? 'funnel-segment-card' : 'funnel-all-card'}
    >
      <div className="funnel-steps">
        <div className="h">Step</div>
        <div className="h">Baseline</div>
        <div className="h">Incident</div>
        <div className="h r">Change</div>
        <div className="h r">σ</div>
        {STEPS.map((s) => {
          const st = side.steps[s.key];
          return [
            <div key={`${s.key}-l`}>{s.label}</div>,
            <div key={`${s.key}-b`}>
              <div className="funnel-bar">
                <div className="track">
                  <div
                    className="bar"
                    style={{ width: scale(st.baselineMean, s.key), background: s.color, opacity: 0.45 }}
                  />
                </div>
                <span className="val">{fmtMean(st.baselineMean)}</span>
              </div>
            </div>,
            <div key={`${s.key}-i`}>
              <div className="funnel-bar">
                <div className="track">
                  <div
                    className="bar"
                    style={{ width: scale(st.incidentMean, s.key), background: s.color }}
                  />
                </div>
                <span className="val">{fmtMean(st.incidentMean)}</span>
              </div>
            </div>,
            <div key={`${s.key}-c`} className="r">
              <Delta value={st.change} />
            </div>,
            <div
              key={`${s.key}-s`}
              className="r"
              title={`baseline ${fmtMean(st.baselineMean)} ± ${fmtMean(st.baselineSigma)} per day`}
            >
              <SigmaBadge value={st.deviationSigma} text={fmtSigma(st.deviationSigma)} />
            </div>,
          ];
        })}
        <div style={{ fontWeight: 600 }}>Conversion</div>
        <div className="num">{fmtPct(side.conversion.baseline)}</div>
        <div className="num" style={{ fontWeight: 600 }}>
          {fmtPct(side.conversion.incident)}
        </div>
        <div className="r">
          <Delta value={side.conversion.change} />
        </div>
        <div />
      </div>
      <div style={{ marginTop: 12 }}>
        {side.pattern ? (
          <div className="callout" data-testid="tell-tale">
            {side.pattern}
          </div>
        ) : (
          <div className="callout neutral small">
            No tell-tale pattern: the steps moved together
            {side.conversion.change !== null && Math.abs(side.conversion.change) > 0.1
              ? ', but conversion changed — check the root-cause view'
              : ''}
            .
          </div>
        )}
      </div>
    </Card>
  );
}
