#!/usr/bin/env bash
# Builds the libFuzzer harness of the server's pure decoders and runs each target for a while.
#
#   fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]     (default 180 s; all targets)
#   targets: honeycomb otlp_protobuf otlp_json zipkin body
#
# KilnCore, KilnIngest (the shared JSON syntax, numbers and the gzip inflater) and the server's
# decoder files are compiled with the harness as one module (their `import KilnCore` and
# `import KilnIngest` lines removed), with -sanitize=fuzzer,address; KILN_FUZZ_TARGET picks the
# decoder. The seeds in fuzz/corpus/<target>/ are copied to fuzz/.build/corpus/<target>/, where
# libFuzzer adds what it finds. Crashes land in fuzz/.build/crashes/<target>/; reproduce one
# with: KILN_FUZZ_TARGET=<target> fuzz/.build/kiln-fuzz FILE
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-180}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(honeycomb otlp_protobuf otlp_json zipkin body)

work=fuzz/.build
mkdir -p "$work/src"
rm -f "$work"/src/*.swift "$work/kiln-fuzz"
for f in Sources/KilnCore/*/*.swift; do
  cp "$f" "$work/src/Core_$(basename "$f")"
done
for f in Sources/KilnIngest/*.swift Sources/KilnIngest/*/*.swift; do
  grep -v '^import KilnCore$' "$f" > "$work/src/Ingest_$(basename "$f")"
done
decoders=(ServerError IngestLimits JSONReader JSONValue NameTable TimeValue HoneycombDecoder ProtobufReader Telemetry
          OTLPDecoder OTLPProtobufDecoder OTLPJSONDecoder ZipkinDecoder TelemetryMapper IngestRoute BodyDecoder ZstdInflater)
for d in "${decoders[@]}"; do
  grep -v -E '^import (KilnCore|KilnIngest)$' "Sources/KilnServer/$d.swift" > "$work/src/$d.swift"
done
echo "== building $work/kiln-fuzz"
swiftc -sanitize=fuzzer,address -parse-as-library -O -g -module-name KilnFuzz -package-name kiln -I Sources/CZlib -lz \
  "$work"/src/*.swift fuzz/Harness.swift fuzz/honeycomb.swift fuzz/otlp.swift \
  fuzz/zipkin.swift fuzz/body.swift -o "$work/kiln-fuzz" 2>&1 | grep -v "ld.gold: warning" || true
[ -x "$work/kiln-fuzz" ] || { echo "build failed"; exit 1; }

status=0
for t in "${targets[@]}"; do
  mkdir -p "$work/corpus/$t" "$work/crashes/$t"
  cp -n fuzz/corpus/"$t"/* "$work/corpus/$t/" 2>/dev/null || true
  echo "== $t: fuzzing for $seconds s"
  if ! KILN_FUZZ_TARGET="$t" "$work/kiln-fuzz" -max_total_time="$seconds" -max_len=16384 -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$work/crashes/$t/" "$work/corpus/$t" > "$work/$t.log" 2>&1; then
    status=1
    grep -E "ERROR|SUMMARY|Test unit written" "$work/$t.log" | head -5
  fi
  grep -E "^Done|stat::number_of_executed_units|stat::new_units_added|stat::peak_rss_mb" "$work/$t.log" | tr '\n' ' '
  echo
done
exit $status
