# quality.sh: the model-quality story of scripts/demo.sh (sourced after
# irisd, mloncall serve and the load are running).
ALERT=IrisAccuracyLow

step "3. deploy v2 as a canary: 10% of the traffic"
curl -sf -X POST "$U/admin/deploy" -d '{"version":"v2","canary_weight":0.1}' >/dev/null
sleep "$CANARY_S"
say "online accuracy with the canary: $(pct irisd_online_accuracy) (target 90%; 10% of the traffic hides most of the damage)"

step "4. promote v2 to 100% of the traffic"
curl -sf -X POST "$U/admin/deploy" -d '{"version":"v2"}' >/dev/null
wait_until "online accuracy drops" 60 accuracy_below 0.9
say "what the rule sees (mloncall check prom --select irisd_online_accuracy):"
"$ML" check prom --metrics_url "$U/metrics" --select irisd_online_accuracy | sed -n '3p' | sed 's/^/     /'

story_incident
step "9. irisd after the rollback"
curl -sf "$U/admin/state" | grep -o '"version":"[^"]*"\|"history":[^]]*]\|"loaded_sha256":"[^"]*"' | sed 's/^/   /'
say "online accuracy: $(pct irisd_online_accuracy)"
