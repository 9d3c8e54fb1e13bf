#!/usr/bin/env bash
# A two-shard ClickHouse cluster on loopback, for trying Kiln on ClickHouse and for its tests.
#
#   scripts/clickhouse-cluster.sh start DIR [BASE_PORT]   # prints the kiln URL; ~1 s
#   scripts/clickhouse-cluster.sh stop DIR
#
# Shard N (0, 1) listens on 127.0.0.1 with HTTP port BASE+10N, native (TCP) port BASE+10N+1 and
# interserver port BASE+10N+2 (BASE defaults to 18100), and keeps its data, logs and PID under
# DIR/shardN. The cluster `kiln` names both shards; `insert_distributed_sync=1` makes inserts
# through the Distributed table return only once every shard has them. Needs `clickhouse-server`
# (Debian: apt-get install clickhouse-server clickhouse-client).
set -euo pipefail

usage() { echo "usage: $0 start|stop DIR [BASE_PORT]" >&2; exit 64; }
[ $# -ge 2 ] || usage
cmd=$1
dir=$2
base=${3:-18100}

find_server() {
  for bin in clickhouse-server /usr/sbin/clickhouse-server /usr/bin/clickhouse-server; do
    if command -v "$bin" >/dev/null 2>&1; then command -v "$bin"; return; fi
  done
  echo "clickhouse-server not found (apt-get install clickhouse-server clickhouse-client)" >&2
  exit 2
}

stop() {
  local d=$1
  for shard in "$d"/shard*; do
    [ -f "$shard/pid" ] || continue
    local pid
    pid=$(cat "$shard/pid")
    if kill -0 "$pid" 2>/dev/null; then kill "$pid" 2>/dev/null || true; fi
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid" 2>/dev/null || true; fi
    rm -f "$shard/pid"
  done
}

write_config() {
  local shard_dir=$1 http=$2 tcp=$3 inter=$4
  cat >"$shard_dir/config.xml" <<EOF
<?xml version="1.0"?>
<yandex>
    <logger>
        <level>warning</level>
        <log>$shard_dir/log/server.log</log>
        <errorlog>$shard_dir/log/error.log</errorlog>
        <size>10M</size>
        <count>2</count>
    </logger>
    <listen_host>127.0.0.1</listen_host>
    <http_port>$http</http_port>
    <tcp_port>$tcp</tcp_port>
    <interserver_http_port>$inter</interserver_http_port>
    <interserver_http_host>127.0.0.1</interserver_http_host>
    <max_connections>256</max_connections>
    <keep_alive_timeout>3</keep_alive_timeout>
    <max_concurrent_queries>100</max_concurrent_queries>
    <uncompressed_cache_size>268435456</uncompressed_cache_size>
    <mark_cache_size>268435456</mark_cache_size>
    <path>$shard_dir/data/</path>
    <tmp_path>$shard_dir/tmp/</tmp_path>
    <user_files_path>$shard_dir/user_files/</user_files_path>
    <format_schema_path>$shard_dir/format_schemas/</format_schema_path>
    <users_config>users.xml</users_config>
    <default_profile>default</default_profile>
    <default_database>default</default_database>
    <timezone>UTC</timezone>
    <remote_servers>
        <kiln>
            <shard><replica><host>127.0.0.1</host><port>$SHARD0_TCP</port></replica></shard>
            <shard><replica><host>127.0.0.1</host><port>$SHARD1_TCP</port></replica></shard>
        </kiln>
    </remote_servers>
    <builtin_dictionaries_reload_interval>3600</builtin_dictionaries_reload_interval>
    <max_session_timeout>3600</max_session_timeout>
    <default_session_timeout>60</default_session_timeout>
</yandex>
EOF
  # The user `kiln` (password `kiln-secret`) lets tests check that passwords stay hidden.
  cat >"$shard_dir/users.xml" <<'EOF'
<?xml version="1.0"?>
<yandex>
    <profiles>
        <default>
            <max_memory_usage>4000000000</max_memory_usage>
            <insert_distributed_sync>1</insert_distributed_sync>
            <connect_timeout_with_failover_ms>1000</connect_timeout_with_failover_ms>
            <connections_with_failover_max_tries>2</connections_with_failover_max_tries>
        </default>
    </profiles>
    <users>
        <default>
            <password></password>
            <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
            <profile>default</profile>
            <quota>default</quota>
        </default>
        <kiln>
            <password>kiln-secret</password>
            <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
            <profile>default</profile>
            <quota>default</quota>
        </kiln>
    </users>
    <quotas>
        <default>
            <interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval>
        </default>
    </quotas>
</yandex>
EOF
}

case "$cmd" in
  start)
    server=$(find_server)
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    stop "$dir"
    SHARD0_TCP=$((base + 1))
    SHARD1_TCP=$((base + 11))
    for i in 0 1; do
      shard_dir="$dir/shard$i"
      mkdir -p "$shard_dir"/{data,tmp,user_files,format_schemas,log}
      write_config "$shard_dir" $((base + 10 * i)) $((base + 10 * i + 1)) $((base + 10 * i + 2))
      if curl -fsS "http://127.0.0.1:$((base + 10 * i))/ping" >/dev/null 2>&1; then
        echo "port $((base + 10 * i)) is already in use; choose another BASE_PORT" >&2
        stop "$dir"
        exit 2
      fi
      # 18.16 writes preprocessed configs next to the config: start each from its own folder.
      # A simple command in the background: $! is the server's own PID (nohup execs it).
      (
        cd "$shard_dir" || exit 2
        nohup "$server" --config-file="$shard_dir/config.xml" >"$shard_dir/log/stdout.log" 2>&1 </dev/null &
        echo $! >"$shard_dir/pid"
      )
    done
    for i in 0 1; do
      port=$((base + 10 * i))
      ok=
      for _ in $(seq 1 150); do
        if curl -fsS "http://127.0.0.1:$port/ping" >/dev/null 2>&1; then ok=1; break; fi
        if ! kill -0 "$(cat "$dir/shard$i/pid")" 2>/dev/null; then break; fi
        sleep 0.05
      done
      if [ -z "$ok" ]; then
        echo "shard$i (127.0.0.1:$port) did not start; see $dir/shard$i/log/" >&2
        tail -5 "$dir/shard$i/log/stdout.log" "$dir/shard$i/log/error.log" 2>/dev/null >&2 || true
        stop "$dir"
        exit 2
      fi
    done
    echo "clickhouse://127.0.0.1:$base/kiln?cluster=kiln&shards=127.0.0.1:$base,127.0.0.1:$((base + 10))"
    ;;
  stop)
    [ -d "$dir" ] && stop "$(cd "$dir" && pwd)"
    ;;
  *) usage ;;
esac
