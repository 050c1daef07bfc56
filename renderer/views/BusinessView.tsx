/** 7 · Business: brands, categories, price bands, hourly brand anomalies, sessions, products, customers, leads. */
import { Empty } from '../components/ui.js';

export function BusinessView() {
  return <Empty title="Business views are coming">This view is not built yet.</Empty>;
}
