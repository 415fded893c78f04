# full.sh: `make demo-full` (sourced by scripts/demo.sh): a real
# Prometheus (Debian's) scrapes irisd every second and evaluates the same
# two alert rules in PromQL; a real Alertmanager delivers them to
# mloncall's webhook with a bearer token. Configs are generated in the
# demo folder, ports picked at run time, no systemd.
start_prometheus_stack() {
	PROM=$(command -v prometheus) || die "prometheus is not installed (make demo-full installs it: scripts/deps.sh demo-full)"
	AM=$(command -v prometheus-alertmanager || command -v alertmanager) ||
		die "prometheus-alertmanager is not installed (scripts/deps.sh demo-full)"
	APORT=$(free_port)
	AURL=http://127.0.0.1:$APORT
	cat >"$D/alertmanager.yml" <<YAML
route:
  receiver: mloncall
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: mloncall
    webhook_configs:
      - url: $SURL/api/v1/alerts/alertmanager
        send_resolved: true
        http_config:
          authorization:
            credentials: $TOKEN
YAML
	"$AM" --config.file="$D/alertmanager.yml" --storage.path="$D/alertmanager" \
		--web.listen-address="127.0.0.1:$APORT" --cluster.listen-address= \
		>"$D/alertmanager.log" 2>&1 &
	PIDS="$PIDS $!"
	PORTS="$PORTS $APORT"
	wait_until "alertmanager is ready" 30 curl -sf -o /dev/null "$AURL/-/ready"

	PPORT=$(free_port)
	PURL=http://127.0.0.1:$PPORT
	cat >"$D/prometheus-rules.yml" <<YAML
groups:
  - name: irisd
    interval: 1s
    rules:
      - alert: IrisAccuracyLow
        expr: irisd_online_accuracy < 0.9
        for: ${FOR_S}s
        keep_firing_for: ${KEEP_S}s
        labels: $(labels_quality)
        annotations: { summary: "irisd online accuracy below 90%" }
      - alert: IrisLatencyHigh
        expr: histogram_quantile(0.99, sum by (le) (rate(irisd_request_duration_seconds_bucket[5s]))) > 0.1
        for: ${FOR_S}s
        keep_firing_for: ${KEEP_S}s
        labels: $(labels_latency)
        annotations: { summary: "irisd p99 latency above 100 ms" }
YAML
	cat >"$D/prometheus.yml" <<YAML
global: { scrape_interval: 1s, evaluation_interval: 1s }
rule_files: [ prometheus-rules.yml ]
alerting:
  alertmanagers:
    - static_configs: [ { targets: [ "127.0.0.1:$APORT" ] } ]
scrape_configs:
  - job_name: irisd
    static_configs: [ { targets: [ "127.0.0.1:$IPORT" ] } ]
YAML
	"$PROM" --config.file="$D/prometheus.yml" --storage.tsdb.path="$D/prometheus" \
		--web.listen-address="127.0.0.1:$PPORT" >"$D/prometheus.log" 2>&1 &
	PIDS="$PIDS $!"
	PORTS="$PORTS $PPORT"
	wait_until "prometheus is ready" 60 curl -sf -o /dev/null "$PURL/-/ready"
}
