#!/bin/sh
# Under tests/pgcluster.py run: the bench with one instance, then how the
# server runs the hot statements of a poll on the store it filled (the plans
# with the values the bench used, and the tables' scan and update counts).
# usage: explain.sh STORE_BENCH [bench options]
set -e
bench=$1
shift
"$bench" postgresql: "$@"
PSQL=$(command -v psql || echo /usr/lib/postgresql/15/bin/psql)
q() {
	echo
	echo "### $1"
	echo '```'
	"$PSQL" -X -q -v ON_ERROR_STOP=1 -c "$2" | grep -v '^$'
	echo '```'
}
S="'ministry-0001'"
U="'https://ministry-0001.example.org/news/statement-5.html'"
q "counts" "SELECT (SELECT count(*) FROM sources) AS sources, (SELECT count(*) FROM items) AS items,
	(SELECT count(*) FROM events) AS events"
q "tables: scans and updates over the whole run (HOT: updates that touched no index)" \
	"SELECT relname, seq_scan, seq_tup_read, idx_scan, n_tup_ins, n_tup_upd, n_tup_hot_upd
	FROM pg_stat_user_tables WHERE relname IN ('sources','items','events') ORDER BY relname"
q "indexes used (scans over the whole run)" \
	"SELECT relname, indexrelname, idx_scan FROM pg_stat_user_indexes
	WHERE relname IN ('sources','items','events') ORDER BY relname, indexrelname"
q "item_find (twice per listed item and poll)" \
	"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON)
	SELECT * FROM items WHERE source_id = $S AND url = $U"
q "item_seen_elsewhere without a text (each unknown listed item)" \
	"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON)
	SELECT 1 FROM items WHERE (norm_url = $U AND NOT (source_id = $S AND url = $U))
	OR (NULL::text IS NOT NULL AND text_sha256 = NULL AND source_id <> $S) LIMIT 1"
ELSEWHERE="EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON)
	SELECT 1 FROM items WHERE (norm_url = $U AND NOT (source_id = $S AND url = $U))
	OR ('00ff'::text IS NOT NULL AND text_sha256 = '00ff' AND source_id <> $S) LIMIT 1"
LISTING="EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON)
	SELECT id, url, title FROM items WHERE source_id = $S AND url <> $U
	AND text IS NULL AND text_sha256 IS NULL AND title = 'x' AND published = '2026-06-01'
	ORDER BY id LIMIT 1"
q "item_seen_elsewhere with a text hash (each new statement)" "$ELSEWHERE"
q "item_same_listing (each new statement)" "$LISTING"
q "items_text_newest (a quiet poll, once per source and stored text)" \
	"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON)
	SELECT max(greatest(coalesce(items_published_day(published), 0), first_seen))
	FROM items WHERE source_id = $S AND text IS NOT NULL"
q "items_to_recheck (a quiet poll with a text in its window)" \
	"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON)
	SELECT url, title, published, guid FROM items WHERE source_id = $S
	AND text IS NOT NULL AND last_checked <= 1e12 ORDER BY first_seen DESC, id LIMIT 50"
q "events_next_due (after each look at the outbox)" \
	"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON)
	SELECT min(next_attempt) FROM events WHERE (state IN ('queued','retry_wait')
	OR (state = 'sending' AND claimed_by <> 'x')) AND channel <> ALL ('{}'::text[])"
q "has autovacuum analyzed the tables yet? (the plans above are made with what it had)" \
	"SELECT relname, last_autoanalyze, last_analyze FROM pg_stat_user_tables
	WHERE relname IN ('items','events') ORDER BY relname"
"$PSQL" -X -q -c "ANALYZE items; ANALYZE events"
q "item_seen_elsewhere with a text hash, after ANALYZE" "$ELSEWHERE"
q "item_same_listing, after ANALYZE" "$LISTING"
# Events are never deleted: what the outbox's statements do once many were delivered.
"$PSQL" -X -q -c "INSERT INTO events (id, channel, type, source_id, item_id, payload, state,
	attempts, next_attempt, created, delivered_at)
	SELECT 'evt_old' || g, 'hook0', 'statement.new', 'ministry-0001', 1, '{}', 'delivered', 1,
	1.7e9 + g, 1.7e9 + g, 1.7e9 + g FROM generate_series(1, 100000) g; ANALYZE events"
q "events_next_due with 100,000 delivered events, after ANALYZE" \
	"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON)
	SELECT min(next_attempt) FROM events WHERE (state IN ('queued','retry_wait')
	OR (state = 'sending' AND claimed_by <> 'x')) AND channel <> ALL ('{}'::text[])"
q "events_due's selection with 100,000 delivered events, after ANALYZE" \
	"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON)
	SELECT id FROM events WHERE ((state IN ('queued','retry_wait') AND next_attempt <= 1e12
	AND (claimed_by IS NULL OR claimed_by = 'x' OR claimed_until < now()))
	OR (state = 'sending' AND claimed_until < now())) AND channel <> ALL ('{}'::text[])
	ORDER BY next_attempt, created, id COLLATE \"C\" LIMIT 64 FOR UPDATE SKIP LOCKED"
