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
	"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
	SELECT * FROM items WHERE source_id = $S AND url = $U"
q "item_seen_elsewhere without a text (each unknown listed item)" \
	"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
	SELECT 1 FROM items WHERE (norm_url = $U AND NOT (source_id = $S AND url = $U))
	OR (NULL::text IS NOT NULL AND text_sha256 = NULL AND source_id <> $S) LIMIT 1"
q "item_seen_elsewhere with a text hash (each new statement)" \
	"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
	SELECT 1 FROM items WHERE (norm_url = $U AND NOT (source_id = $S AND url = $U))
	OR ('00ff'::text IS NOT NULL AND text_sha256 = '00ff' AND source_id <> $S) LIMIT 1"
q "item_same_listing (each new statement)" \
	"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
	SELECT id, url, title FROM items WHERE source_id = $S AND url <> $U
	AND text IS NULL AND text_sha256 IS NULL AND title = 'x' AND published = '2026-06-01'
	ORDER BY id LIMIT 1"
q "items_text_newest (a quiet poll, once per source and stored text)" \
	"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
	SELECT max(greatest(coalesce(items_published_day(published), 0), first_seen))
	FROM items WHERE source_id = $S AND text IS NOT NULL"
q "items_to_recheck (a quiet poll with a text in its window)" \
	"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
	SELECT url, title, published, guid FROM items WHERE source_id = $S
	AND text IS NOT NULL AND last_checked <= 1e12 ORDER BY first_seen DESC, id LIMIT 50"
q "events_next_due (after each look at the outbox)" \
	"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
	SELECT min(next_attempt) FROM events WHERE (state IN ('queued','retry_wait')
	OR (state = 'sending' AND claimed_by <> 'x')) AND channel <> ALL ('{}'::text[])"
