/** Small shared UI pieces: cards, KPI, skeletons, empty and error states, segmented controls. */
import type { ReactNode } from 'react';
import { fmtChange, sigmaTone } from '../lib/format.js';

export function Card({
  title,
  hint,
  actions,
  children,
  className,
  testId,
}: {
  title?: ReactNode;
  hint?: ReactNode;
  actions?: ReactNode;
  children: ReactNode;
  className?: string;
  testId?: string;
}) {
  return (
    <section className={`card ${className ?? ''}`} data-testid={testId}>
      {(title || actions) && (
        <div className="card-head">
          {title && <h2>{title}</h2>}
          {hint && <span className="hint">{hint}</span>}
          <span className="spacer" />
          {actions}
        </div>
      )}
      {children}
    </section>
  );
}

export function Skeleton({
  height = 16,
  width = '100%',
  style,
}: {
  height?: number;
  width?: number | string;
  style?: React.CSSProperties;
}) {
  return <div className="skeleton" style={{ height, width, ...style }} aria-hidden="true" />;
}

export function SkeletonRows({ rows = 6, height = 22 }: { rows?: number; height?: number }) {
  return (
    <div className="stack" style={{ gap: 10 }} aria-busy="true" aria-label="Loading">
      {Array.from({ length: rows }, (_, i) => (
        <Skeleton key={i} height={height} width={`${100 - ((i * 13) % 30)}%`} />
      ))}
    </div>
  );
}

export function Empty({
  icon = '◎',
  title,
  children,
  action,
}: {
  icon?: ReactNode;
  title: string;
  children?: ReactNode;
  action?: ReactNode;
}) {
  return (
    <div className="empty">
      <div className="empty-icon" aria-hidden="true">
        {icon}
      </div>
      <h3>{title}</h3>
      {children && <p>{children}</p>}
      {action}
    </div>
  );
}

export function ErrorBox({
  title = 'Something went wrong',
  message,
  action,
  testId = 'error',
}: {
  title?: string;
  message: string;
  action?: ReactNode;
  testId?: string;
}) {
  return (
    <div className="alert error" role="alert" data-testid={testId}>
      <span className="alert-icon">!</span>
      <div style={{ flex: 1, minWidth: 0 }}>
        <div className="alert-title">{title}</div>
        <div style={{ wordBreak: 'break-word' }}>{message}</div>
      </div>
      {action}
    </div>
  );
}

export function Segmented<T extends string>({
  value,
  options,
  onChange,
  label,
}: {
  value: T;
  options: { value: T; label: string }[];
  onChange: (v: T) => void;
  label: string;
}) {
  return (
    <div className="segmented" role="group" aria-label={label}>
      {options.map((o) => (
        <button
          key={o.value}
          type="button"
          aria-pressed={o.value === value}
          onClick={() => onChange(o.value)}
        >
          {o.label}
        </button>
      ))}
    </div>
  );
}

/** change % coloured: for counts a drop is bad; `inverse` for metrics where down is good */
export function Delta({
  value,
  inverse = false,
  suffix,
}: {
  value: number | null;
  inverse?: boolean;
  suffix?: string;
}) {
  if (value === null || !Number.isFinite(value)) return <span className="tone-muted">—</span>;
  const bad = inverse ? value > 0.02 : value < -0.02;
  const good = inverse ? value < -0.02 : value > 0.02;
  return (
    <span className={bad ? 'tone-bad' : good ? 'tone-good' : 'tone-ok'}>
      {value > 0 ? '▲' : value < 0 ? '▼' : ''} {fmtChange(value)}
      {suffix && <span className="muted"> {suffix}</span>}
    </span>
  );
}

export function SigmaBadge({ value, text }: { value: number | null; text: string }) {
  const tone = sigmaTone(value);
  return <span className={`badge pill-${tone}`}>{text}</span>;
}

export function Kpi({
  label,
  value,
  delta,
  color,
  title,
  testId,
}: {
  label: string;
  value: ReactNode;
  delta?: ReactNode;
  color?: string;
  title?: string;
  testId?: string;
}) {
  return (
    <div className="kpi" title={title} data-testid={testId}>
      <div className="kpi-label">
        {color && <span className="dot" style={{ background: color }} />}
        {label}
      </div>
      <div className="kpi-value">{value}</div>
      <div className="kpi-delta">{delta ?? <span className="muted">&nbsp;</span>}</div>
    </div>
  );
}
