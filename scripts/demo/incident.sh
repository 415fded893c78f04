# incident.sh: the incident part of every story of scripts/demo.sh
# (sourced): the rule (or Prometheus + Alertmanager) fires, the service
# opens and routes the incident, the on-call acknowledges, the runbook
# runs unattended, the alert resolves.
story_incident() {
	if [ "$FULL" = 1 ]; then
		step "5. Prometheus' rule $ALERT fires after for: ${FOR_S}s; Alertmanager delivers it"
		wait_until "the alert arrives" 90 timeline_has 1 "alert firing: $ALERT"
		say "Prometheus' active alerts: $(curl -sf "$PURL/api/v1/alerts" | grep -o '"alertname":"[^"]*"\|"state":"[a-z]*"' | cut -d'"' -f4 | paste -sd' ')"
	else
		step "5. mloncall's rule $ALERT goes pending, and fires after for: ${FOR_S}s"
		wait_until "the rule fires" 90 log_has "rule $ALERT: firing"
		grep "rule $ALERT" "$D/serve.log" | sed 's/^mloncall serve: /   /'
	fi

	step "6. a P2 incident opens, routed to its runbook; the on-call is paged"
	wait_until "the page goes out" 30 timeline_has 1 " paged "
	# the on-call answers the page at once (the runbook goes on meanwhile)
	"$ML" incident show 1 --db "$DB" >"$D/incident-1.txt"
	who=$(sed -n 's/.* paged \([^ ]*\) (primary.*/\1/p' "$D/incident-1.txt" | head -1)
	if "$ML" incident ack 1 --as "${who:=alice}" >/dev/null 2>"$D/ack.err"; then
		acked="$who (primary on-call) acknowledged; the runbook goes on unattended (auto: true)"
	else
		acked="$who could not acknowledge: $(cat "$D/ack.err")"
	fi
	sed -n '1,4p' "$D/incident-1.txt" | sed 's/^/   /'
	grep -E ' (opened|route|page|run) ' "$D/incident-1.txt" | sed 's/^ */   /'
	say "$acked"

	step "7. the runbook: prechecks, diagnosis, remedy, verify (hold ${HOLD_S}s)"
	wait_until "the run ends" 180 timeline_has 1 "remediate run of"
	"$ML" incident show 1 --db "$DB" | grep -E ' run .*remediate run' | sed 's/^ */   /'

	step "8. the alert resolves (keep_firing_for ${KEEP_S}s), so the incident resolves"
	wait_until "the incident is resolved" 90 incident_is 1 resolved
	"$ML" incident show 1 --db "$DB" | sed 's/^/   /'
}
