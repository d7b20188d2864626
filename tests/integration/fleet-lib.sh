# Shared by the fleet tests: a real node exporter (Debian's prometheus-node-exporter) and a
# real Prometheus (Debian's prometheus), each on a free loopback port with its data under
# $TMP, started and stopped by the test. Host services that the packages may have started
# (on 9090 and 9100) are never used, stopped or disturbed. Source after lib.sh.

NODE_EXPORTER=${NODE_EXPORTER:-prometheus-node-exporter}
PROMETHEUS=${PROMETHEUS:-prometheus}
for tool in "$NODE_EXPORTER:prometheus-node-exporter" "$PROMETHEUS:prometheus" curl:curl jq:jq; do
        command -v "${tool%%:*}" >/dev/null ||
                fail "${tool%%:*} is missing (Debian package ${tool#*:}; tests/deps.sh test)"
done

# port_busy PORT: something accepts connections on 127.0.0.1:PORT.
port_busy() {
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# http_get URL: the body, or failure; never waits more than 2 s.
http_get() {
        curl -fsS --max-time 2 "$1"
}

# start_listener NAME CHECK CMD...: runs CMD (in which @PORT@ stands for the port) on a
# free loopback port, found by trying: a port something already listens on is skipped,
# and if CMD exits (another program took the port meanwhile) the next one is tried. CHECK
# is a function called with the port that succeeds once the listener is up and is ours.
# Sets LISTENER_PORT and LISTENER_PID.
start_listener() {
        local name=$1 check=$2 try port pid i
        shift 2
        for try in $(seq 20); do
                port=$((20000 + RANDOM % 40000))
                port_busy "$port" && continue
                spawn "$name" "${@//@PORT@/$port}"
                pid=$SPAWNED
                for ((i = 0; i < 200; i++)); do # 20 s
                        kill -0 "$pid" 2>/dev/null || break
                        if "$check" "$port" && kill -0 "$pid" 2>/dev/null; then
                                LISTENER_PORT=$port
                                LISTENER_PID=$pid
                                return 0
                        fi
                        sleep 0.1
                done
                kill -0 "$pid" 2>/dev/null &&
                        fail "$name did not come up on 127.0.0.1:$port in 20 s: $(tail -n 20 "$TMP/$name.out")"
                echo "$TEST_NAME: $name could not use port $port, trying another" >&2
        done
        fail "$name: no free port found in 20 tries: $(tail -n 20 "$TMP/$name.out")"
}

# start_node_exporter DIR: only the textfile collector, reading DIR. Sets EXPORTER_PORT.
start_node_exporter() {
        TEXTFILE_DIR=$1
        exporter_is_ours() {
                # The textfile collector reports each file of our directory by its path.
                http_get "http://127.0.0.1:$1/metrics" 2>/dev/null |
                        grep -qF "node_textfile_mtime_seconds{file=\"$TEXTFILE_DIR/"
        }
        start_listener node-exporter exporter_is_ours "$NODE_EXPORTER" \
                --web.listen-address=127.0.0.1:@PORT@ --collector.disable-defaults \
                --collector.textfile --collector.textfile.directory="$TEXTFILE_DIR"
        EXPORTER_PORT=$LISTENER_PORT
}

# start_prometheus TARGET RULES...: scrapes TARGET (host:port) every second as job "node"
# and evaluates the rule files every second. Sets PROM_URL.
start_prometheus() {
        local target=$1 f
        shift
        mkdir -p "$TMP/prometheus-data"
        {
                printf 'global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n'
                printf 'rule_files:\n'
                for f in "$@"; do printf '  - %s\n' "$f"; done
                printf 'scrape_configs:\n  - job_name: node\n    static_configs:\n'
                printf '      - targets: ["%s"]\n' "$target"
        } >"$TMP/prometheus.yml"
        prometheus_is_ours() {
                http_get "http://127.0.0.1:$1/api/v1/status/flags" 2>/dev/null |
                        jq -e --arg d "$TMP/prometheus-data" '.data["storage.tsdb.path"] == $d' >/dev/null
        }
        start_listener prometheus prometheus_is_ours "$PROMETHEUS" \
                --config.file="$TMP/prometheus.yml" --storage.tsdb.path="$TMP/prometheus-data" \
                --web.listen-address=127.0.0.1:@PORT@ --log.level=warn
        PROM_URL=http://127.0.0.1:$LISTENER_PORT
}

# prom_query EXPR: the instant query's JSON reply (status, data).
prom_query() {
        curl -fsS --max-time 2 "$PROM_URL/api/v1/query" --data-urlencode "query=$1"
}

# prom_value EXPR: the value of the one series EXPR selects, or nothing.
prom_value() {
        prom_query "$1" 2>/dev/null | jq -r 'if (.data.result | length) == 1 then .data.result[0].value[1] else empty end'
}
