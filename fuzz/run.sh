#!/usr/bin/env bash
# Builds the libFuzzer harnesses of the server's pure decoders and runs each for a while.
#
#   fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]     (default 120 s; targets below)
#
# Each harness is compiled with KilnCore and the decoder files as one module (their
# `import KilnCore` lines removed), with -sanitize=fuzzer,address. The checked-in seeds in
# fuzz/corpus/<target>/ are copied to fuzz/.build/corpus/<target>/, where libFuzzer adds what
# it finds; crashes land in fuzz/.build/crashes/<target>/ (reproduce: fuzz/.build/<target> FILE).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-120}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(honeycomb otlp_protobuf otlp_json zipkin body)

work=fuzz/.build
mkdir -p "$work/src"
rm -f "$work"/src/*.swift
for f in Sources/KilnCore/*/*.swift; do
  cp "$f" "$work/src/Core_$(basename "$f")"
done
decoders=(ServerError IngestLimits JSONReader JSONValue NameTable TimeValue HoneycombDecoder ProtobufReader Telemetry
          OTLPProtobufDecoder OTLPJSONDecoder ZipkinDecoder TelemetryMapper IngestRoute BodyDecoder ZlibInflater ZstdInflater)
for d in "${decoders[@]}"; do
  grep -v '^import KilnCore$' "Sources/KilnServer/$d.swift" > "$work/src/$d.swift"
done

for t in "${targets[@]}"; do
  echo "== $t: building"
  rm -f "$work/$t"
  swiftc -sanitize=fuzzer,address -parse-as-library -O -g -module-name KilnFuzz \
    -I Sources/CZlib -lz "$work"/src/*.swift "fuzz/$t.swift" -o "$work/$t" 2>&1 | grep -v "ld.gold: warning" || true
  mkdir -p "$work/corpus/$t" "$work/crashes/$t" "fuzz/corpus/$t"
  cp -n fuzz/corpus/"$t"/* "$work/corpus/$t/" 2>/dev/null || true
  echo "== $t: fuzzing for $seconds s"
  "$work/$t" -max_total_time="$seconds" -max_len=16384 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$work/crashes/$t/" "$work/corpus/$t" 2>&1 | grep -E "^#|ERROR|SUMMARY|stat::|Done" | tail -8
done
