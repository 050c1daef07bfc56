#!/usr/bin/env bash
# The one command that runs every test: `npm test`.
# It sets up what the tests need where it can (npm ci, Chromium and poppler via apt-get on Debian, the Kafka
# jars via Maven, all cached) and otherwise names exactly what is missing. It fails loudly.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

say() { printf '\n==> %s\n' "$*"; }
die() { printf '\nfunnelscope test setup: %s\n' "$*" >&2; exit 1; }

# ---- Node and npm dependencies
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' \
  || die "Node >= 20.19 is required (found $(node --version 2>/dev/null || echo none))."
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "npm ci"
  # A registry mirror that lacks other platforms' optional packages (e.g. DuckDB's darwin/win32 bindings) makes
  # `npm ci` refuse the lock file; `npm install` tolerates missing optional packages, so fall back to it.
  ci_log=$(mktemp)
  npm ci --no-audit --no-fund 2>"$ci_log" || {
    grep -m3 -E 'npm error (Missing|code|`npm ci`)' "$ci_log" || true
    echo "npm ci refused the lock file; falling back to npm install"
    npm install --no-audit --no-fund
  }
fi

# ---- System packages: Chromium (e2e, PDF report) and poppler-utils (pdftotext/pdftoppm for report tests)
need_pkgs=()
[ -x /usr/bin/chromium ] || [ -n "${FUNNELSCOPE_CHROMIUM:-}" ] || need_pkgs+=(chromium)
command -v pdftotext >/dev/null 2>&1 && command -v pdftoppm >/dev/null 2>&1 || need_pkgs+=(poppler-utils)
if [ ${#need_pkgs[@]} -gt 0 ]; then
  if [ -f /etc/debian_version ] && command -v apt-get >/dev/null 2>&1; then
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo -n"
    say "apt-get install ${need_pkgs[*]}"
    $SUDO apt-get update -qq || die "apt-get update failed; install manually: apt-get install -y ${need_pkgs[*]}"
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_pkgs[@]}" \
      || die "could not install ${need_pkgs[*]}; install them manually (apt-get install -y ${need_pkgs[*]})."
  else
    die "missing ${need_pkgs[*]}: install Chromium (or set FUNNELSCOPE_CHROMIUM=/path/to/chromium) and poppler-utils."
  fi
fi

# ---- Kafka broker jars (Maven Central, cached in .cache/kafka)
command -v java >/dev/null 2>&1 || die "Java 17+ is required for the Kafka integration tests (apt-get install -y openjdk-17-jre-headless)."
if [ -x scripts/kafka-broker.sh ] || [ -f scripts/kafka-broker.sh ]; then
  say "Kafka jars"
  bash scripts/kafka-broker.sh fetch || die "fetching the Kafka jars failed (needs Maven: apt-get install -y maven)."
fi

# ---- Reference data
[ -f ../shared/data/retailrocket_contaminated_events.parquet ] \
  || die "reference data missing: expected ../shared/data/retailrocket_contaminated_events.parquet next to the repository."

# ---- Build, types, lint
say "build"
npm run build
say "typecheck"
npx tsc -p tsconfig.json
npx tsc -p tsconfig.renderer.json
npx tsc -p tsconfig.report.json --noEmit
say "lint"
npx eslint .

# ---- Tests
say "tests (unit, integration, e2e)"
mkdir -p test-results
set +e
npx vitest run --reporter=default --reporter=json --outputFile.json=test-results/vitest.json "$@"
status=$?
set -e
summary=0
node scripts/test-summary.mjs test-results/vitest.json || summary=$?
[ $status -ne 0 ] && exit $status
exit $summary
