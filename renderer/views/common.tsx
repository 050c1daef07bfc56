/** Pieces shared by several views: the no-dataset state and the baseline/incident comparison bar. */
import { useEffect, useState } from 'react';
import { useApp } from '../app/context.js';
import { Card, Empty, ErrorBox, SkeletonRows } from '../components/ui.js';
import { PRESETS, type PresetId } from '../state/store.js';
import { displayDimension, displayValue, fmtPeriod, segmentLabel } from '../lib/format.js';
import { periodDays } from '../lib/dates.js';
import type { Period, Segment } from '../../core/types.js';

export function NoData() {
  const status = useApp((s) => s.dataset.status);
  const error = useApp((s) => s.dataset.error);
  const setView = useApp((s) => s.setView);
  const openSample = useApp((s) => s.openSample);
  if (status === 'opening' || status === 'cube' || status === 'loading') {
    return (
      <Card>
        <SkeletonRows rows={8} />
      </Card>
    );
  }
  if (status === 'error' && error) {
    return (
      <ErrorBox
        title="No dataset is loaded"
        message={error}
        action={
          <button className="btn small" type="button" onClick={() => setView('data')}>
            Go to Data
          </button>
        }
      />
    );
  }
  return (
    <Card>
      <Empty
        title="No dataset open yet"
        action={
          <div className="row">
            <button className="btn primary" type="button" onClick={() => setView('data')}>
              Open a folder
            </button>
            <button className="btn" type="button" onClick={() => void openSample()}>
              Open the sample
            </button>
          </div>
        }
      >
        Open a folder of Parquet files (or the sample) on the Data view to see this analysis.
      </Empty>
    </Card>
  );
}

function PeriodInputs({
  label,
  value,
  onChange,
  min,
  max,
}: {
  label: string;
  value: Period;
  onChange: (p: Period) => void;
  min: string;
  max: string;
}) {
  const [from, setFrom] = useState(value.from);
  const [to, setTo] = useState(value.to);
  useEffect(() => {
    setFrom(value.from);
    setTo(value.to);
  }, [value.from, value.to]);
  const commit = (f: string, t: string) => {
    if (f && t && f <= t && (f !== value.from || t !== value.to)) onChange({ from: f, to: t });
  };
  return (
    <label className="field">
      {label}
      <span className="row" style={{ gap: 4 }}>
        <input
          className="input"
          type="date"
          value={from}
          min={min}
          max={max}
          aria-label={`${label} from`}
          onChange={(e) => setFrom(e.target.value)}
          onBlur={() => commit(from, to)}
        />
        <span className="muted">–</span>
        <input
          className="input"
          type="date"
          value={to}
          min={min}
          max={max}
          aria-label={`${label} to`}
          onChange={(e) => setTo(e.target.value)}
          onBlur={() => commit(from, to)}
        />
      </span>
    </label>
  );
}

/** baseline vs incident: presets, the detector's suggestion, or explicit dates (the brush sets them too) */
export function ComparisonBar() {
  const summary = useApp((s) => s.dataset.summary)!;
  const comparison = useApp((s) => s.comparison)!;
  const preset = useApp((s) => s.preset);
  const applyPreset = useApp((s) => s.applyPreset);
  const suggestion = useApp((s) => s.suggestion);
  const applySuggestion = useApp((s) => s.applySuggestion);
  const setComparison = useApp((s) => s.setComparison);
  const source = comparison.source;
  return (
    <Card testId="comparison">
      <div className="row" style={{ alignItems: 'flex-end', gap: 16 }}>
        <label className="field">
          Compare
          <select
            className="select"
            value={preset ?? source}
            onChange={(e) => {
              const v = e.target.value;
              if (v === 'suggested') applySuggestion();
              else if (PRESETS.some((p) => p.id === v)) applyPreset(v as PresetId);
            }}
            aria-label="Comparison preset"
            data-testid="preset"
          >
            {PRESETS.map((p) => (
              <option key={p.id} value={p.id}>
                {p.label}
              </option>
            ))}
            {suggestion?.incident && (
              <option value="suggested">Detector’s incident: {fmtPeriod(suggestion.incident)}</option>
            )}
            {source === 'brush' && <option value="brush">Brushed period vs the weeks before</option>}
            {source === 'custom' && <option value="custom">Custom dates</option>}
          </select>
        </label>
        <PeriodInputs
          label="Baseline"
          value={comparison.baseline}
          min={summary.range.from}
          max={summary.range.to}
          onChange={(b) => setComparison(b, comparison.incident)}
        />
        <PeriodInputs
          label="Incident"
          value={comparison.incident}
          min={summary.range.from}
          max={summary.range.to}
          onChange={(i) => setComparison(comparison.baseline, i)}
        />
        <span className="small muted" style={{ paddingBottom: 7 }}>
          {periodDays(comparison.baseline)} vs {periodDays(comparison.incident)} calendar days
        </span>
        {suggestion?.incident && source !== 'suggested' && (
          <button
            className="btn small"
            type="button"
            style={{ marginBottom: 3 }}
            onClick={applySuggestion}
            title={suggestion.reason}
            data-testid="use-suggestion"
          >
            Use the detector’s incident
          </button>
        )}
      </div>
      {source === 'suggested' && suggestion && (
        <div className="small muted" style={{ marginTop: 8 }}>
          {suggestion.reason}
        </div>
      )}
    </Card>
  );
}

/** "Device: Mobile" chips of a segment */
export function SegmentText({ segment, order }: { segment: Segment; order: string[] }) {
  const keys = Object.keys(segment);
  if (!keys.length) return <span>{segmentLabel(segment)}</span>;
  return (
    <span>
      {keys.map((k, i) => (
        <span key={k}>
          {i > 0 && ' × '}
          <span className="muted">{displayDimension(k)}</span> {displayValue(segment[k])}
        </span>
      ))}
      <span className="sr-only">{segmentLabel(segment, order)}</span>
    </span>
  );
}

/** one select per dimension (All or a value): builds a segment in the cube's dimension order */
export function SegmentPicker({
  value,
  onChange,
  allowWorst,
  testId,
}: {
  value: Segment | 'worst';
  onChange: (s: Segment | 'worst') => void;
  allowWorst?: boolean;
  testId?: string;
}) {
  const summary = useApp((s) => s.dataset.summary)!;
  const seg = value === 'worst' ? {} : value;
  return (
    <div className="row" style={{ gap: 8 }} data-testid={testId}>
      {allowWorst && (
        <select
          className="select"
          value={value === 'worst' ? 'worst' : 'segment'}
          onChange={(e) => onChange(e.target.value === 'worst' ? 'worst' : {})}
          aria-label="Segment mode"
          data-testid={testId ? `${testId}-mode` : undefined}
        >
          <option value="worst">Worst segment per day</option>
          <option value="segment">A chosen segment</option>
        </select>
      )}
      {(!allowWorst || value !== 'worst') &&
        summary.dimensions.map((d) => (
          <select
            key={d}
            className="select"
            value={seg[d] ?? ''}
            aria-label={displayDimension(d)}
            data-dimension={d}
            onChange={(e) => {
              const next: Segment = {};
              for (const k of summary.dimensions) {
                const v = k === d ? e.target.value : seg[k];
                if (v) next[k] = v;
              }
              onChange(next);
            }}
          >
            <option value="">All {displayDimension(d).toLowerCase()}s</option>
            {summary.values[d]?.map((v) => (
              <option key={v} value={v}>
                {displayValue(v)}
              </option>
            ))}
          </select>
        ))}
    </div>
  );
}
