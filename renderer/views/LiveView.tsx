/** 8 · Live: the Kafka tap's status and today's funnel per segment against the same weekdays. */
import { Empty } from '../components/ui.js';

export function LiveView() {
  return <Empty title="Live view is coming">This view is not built yet.</Empty>;
}
