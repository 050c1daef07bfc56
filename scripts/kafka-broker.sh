#!/usr/bin/env bash
# A real single-node Apache Kafka broker (KRaft) without Docker, for tests, the tap bench and demos.
#
#   bash scripts/kafka-broker.sh fetch    fetch the broker jars from Maven Central into .cache/kafka/libs
#                                         (via test/kafka/pom.xml; a no-op when the cache matches the pom)
#   bash scripts/kafka-broker.sh start    start a demo broker on a free 127.0.0.1 port (prints HOST:PORT)
#   bash scripts/kafka-broker.sh stop     stop the demo broker
#   bash scripts/kafka-broker.sh status
#
# The integration tests and bench/tap.ts start their own brokers through test/integration/kafka-broker.ts.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LIBS="${FUNNELSCOPE_KAFKA_LIBS:-$ROOT/.cache/kafka/libs}"
POM="$ROOT/test/kafka/pom.xml"

fetch() {
  local stamp="$LIBS/.pom.sha256" want
  want="$(sha256sum "$POM" | cut -d' ' -f1)"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]] && ls "$LIBS"/kafka_2.13-*.jar >/dev/null 2>&1; then
    echo "kafka jars cached in $LIBS" >&2
    return 0
  fi
  command -v mvn >/dev/null || { echo "mvn (Apache Maven) is required to fetch the Kafka jars" >&2; exit 1; }
  command -v java >/dev/null || { echo "java (17+) is required to run the Kafka broker" >&2; exit 1; }
  local tmp="$LIBS.tmp.$$"
  rm -rf "$tmp"
  mkdir -p "$(dirname "$LIBS")"
  echo "fetching Kafka broker jars from Maven Central into $LIBS ..." >&2
  mvn -q -B -f "$POM" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$tmp"
  echo "$want" >"$tmp/.pom.sha256"
  rm -rf "$LIBS"
  mv "$tmp" "$LIBS"
  echo "kafka jars ready: $(ls "$LIBS" | wc -l) files in $LIBS" >&2
}

case "${1:-}" in
  fetch) fetch ;;
  start | stop | status)
    [[ "$1" == start ]] && fetch
    cd "$ROOT"
    exec npx --no-install tsx test/integration/kafka-broker.ts "$@"
    ;;
  *)
    echo "usage: $0 fetch | start [--port P] | stop | status" >&2
    exit 2
    ;;
esac
