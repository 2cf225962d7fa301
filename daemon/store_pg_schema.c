/*
 * daemon/store_pg_schema: the store's tables on PostgreSQL, by version
 * (pg_conn_migrate runs them under its advisory lock). Version 8 is the
 * whole of SQLite's version 8 at once, with the same meaning column by
 * column (store_sqlite.c's migrations say why each exists): a store
 * copied by `speechwatch migrate` reads the same on either backend. Each
 * area keeps its part in its own constant so that the files reading it
 * (store_pg_items.c, store_pg_events.c, store_pg_read.c,
 * store_pg_search.c) can be read beside it.
 */
#include "daemon/store_pg.h"

/* Poll state of each source (struct store_source). */
#define SCHEMA_SOURCES                                                                             \
	"CREATE TABLE sources ("                                                                   \
	" id text PRIMARY KEY, url text NOT NULL, etag text, last_modified text,"                  \
	" last_poll double precision NOT NULL DEFAULT 0,"                                          \
	" last_status bigint NOT NULL DEFAULT 0, last_result text, last_error text,"               \
	" items bigint NOT NULL DEFAULT 0, failures bigint NOT NULL DEFAULT 0,"                    \
	" next_due double precision NOT NULL DEFAULT 0, failing integer NOT NULL DEFAULT 0,"       \
	" last_new bigint NOT NULL DEFAULT 0, last_changed bigint NOT NULL DEFAULT 0,"             \
	" suspect_polls bigint NOT NULL DEFAULT 0, suspect_items bigint NOT NULL DEFAULT 0,"       \
	" structure text, suggestion text);"

/*
 * store_items_unread's walk of a source's newest items: its order (the
 * published text compared bytewise, as SQLite does) read from the index.
 */
#define SCHEMA_ITEMS_LISTED                                                                        \
	"CREATE INDEX items_source_listed ON items"                                                \
	" (source_id, (published IS NULL), published COLLATE \"C\" DESC, id);"

/*
 * A published date as SQLite's strftime('%s', substr(published, 1, 10))
 * reads it (store_items_text_newest): unix seconds of YYYY-MM-DD at 00:00
 * UTC, a day past the month's end running into the next month, year 0000
 * being 1 BC; a bare number a Julian day. NULL for anything else: guarded,
 * never cast blindly, so a malformed date costs its row nothing and never
 * fails the query. It reads nothing but its argument (IMMUTABLE): no
 * time zone, no clock.
 */
#define SCHEMA_ITEMS_DAY                                                                           \
	"CREATE FUNCTION items_published_day(p text) RETURNS double precision"                     \
	" LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$"                                   \
	" DECLARE d text := substr(p, 1, 10); y integer; m integer; dd integer; jd numeric;"       \
	" BEGIN"                                                                                   \
	"  IF d ~ '^[0-9]+(\\.[0-9]+)?$' THEN"                                                     \
	"   jd := d::numeric;"                                                                     \
	"   IF jd >= 5373484.5 THEN RETURN NULL; END IF;"                                          \
	"   RETURN floor(trunc(jd * 86400000 + 0.5) / 1000) - 210866760000;"                       \
	"  END IF;"                                                                                \
	"  IF d !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' THEN RETURN NULL; END IF;"                       \
	"  y := substr(d, 1, 4)::integer; m := substr(d, 6, 2)::integer;"                          \
	"  dd := substr(d, 9, 2)::integer;"                                                        \
	"  IF m NOT BETWEEN 1 AND 12 OR dd NOT BETWEEN 1 AND 31 THEN RETURN NULL; END IF;"         \
	"  RETURN extract(epoch FROM make_date(CASE WHEN y = 0 THEN -1 ELSE y END, m, 1)"          \
	"   + (dd - 1));"                                                                          \
	" END $$;"

/*
 * Items (struct store_item) and the texts they had before their current
 * one, kept by a trigger in the transaction that replaces a text, as
 * SQLite's items_versions_au does.
 */
#define SCHEMA_ITEMS                                                                               \
	"CREATE TABLE items ("                                                                     \
	" id bigserial PRIMARY KEY, source_id text NOT NULL, url text NOT NULL,"                   \
	" norm_url text NOT NULL, guid text, title text, published text,"                          \
	" final_url text, http_status bigint, etag text, last_modified text,"                      \
	" raw_sha256 text, text_sha256 text, text text, raw bytea, language text,"                 \
	" words bigint, fetched_at double precision, first_seen double precision NOT NULL,"        \
	" last_seen double precision NOT NULL, last_checked double precision,"                     \
	" themes text, theme_scores text, UNIQUE (source_id, url));"                               \
	"CREATE INDEX items_norm_url ON items (norm_url);"                                         \
	"CREATE INDEX items_text_sha256 ON items (text_sha256);"                                   \
	"CREATE INDEX items_source_guid ON items (source_id, guid);"                               \
	"CREATE TABLE item_versions ("                                                             \
	" item_id bigint NOT NULL REFERENCES items (id) ON DELETE CASCADE,"                        \
	" version integer NOT NULL, title text, text_sha256 text NOT NULL, text text,"             \
	" since double precision NOT NULL, replaced double precision NOT NULL,"                    \
	" PRIMARY KEY (item_id, version));"                                                        \
	"CREATE FUNCTION items_keep_version() RETURNS trigger LANGUAGE plpgsql AS $$"              \
	" BEGIN"                                                                                   \
	"  INSERT INTO item_versions (item_id, version, title, text_sha256, text, since, "         \
	"replaced)"                                                                                \
	"  VALUES (OLD.id,"                                                                        \
	"   (SELECT count(*) + 1 FROM item_versions WHERE item_id = OLD.id),"                      \
	"   OLD.title, OLD.text_sha256, OLD.text,"                                                 \
	"   coalesce((SELECT max(replaced) FROM item_versions WHERE item_id = OLD.id),"            \
	"    OLD.first_seen), coalesce(NEW.fetched_at, NEW.last_seen));"                           \
	"  RETURN NEW;"                                                                            \
	" END $$;"                                                                                 \
	"CREATE TRIGGER items_versions_au AFTER UPDATE OF text_sha256 ON items FOR EACH ROW"       \
	" WHEN (OLD.text_sha256 IS NOT NULL AND NEW.text_sha256 IS NOT NULL"                       \
	" AND NEW.text_sha256 <> OLD.text_sha256)"                                                 \
	" EXECUTE FUNCTION items_keep_version();" SCHEMA_ITEMS_LISTED SCHEMA_ITEMS_DAY

/* The outbox (struct store_event). */
#define SCHEMA_EVENTS                                                                              \
	"CREATE TABLE events ("                                                                    \
	" id text PRIMARY KEY, channel text NOT NULL, type text NOT NULL,"                         \
	" source_id text, item_id bigint, payload text NOT NULL,"                                  \
	" state text NOT NULL DEFAULT 'queued', attempts bigint NOT NULL DEFAULT 0,"               \
	" next_attempt double precision NOT NULL DEFAULT 0, created double precision NOT NULL,"    \
	" delivered_at double precision, last_error text,"                                         \
	" age double precision NOT NULL DEFAULT 0,"                                                \
	" claimed_by text, claimed_until timestamptz);"                                            \
	"CREATE INDEX events_due ON events (state, next_attempt);"

/*
 * Search (store_pg_search.c): substring matching on case-folded titles and
 * texts, as SQLite's FTS5 trigram index, under pg_trgm GIN indexes.
 * sw_fold folds case as FTS5 does, for every script: through ICU where the
 * server has it (a database of locale C folds only ASCII otherwise).
 */
#define SCHEMA_SEARCH                                                                              \
	"CREATE EXTENSION IF NOT EXISTS pg_trgm;"                                                  \
	"DO $do$ BEGIN"                                                                            \
	" IF EXISTS (SELECT 1 FROM pg_collation WHERE collname = 'und-x-icu') THEN"                \
	"  CREATE FUNCTION sw_fold(text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE"        \
	"  AS $f$ SELECT lower($1 COLLATE \"und-x-icu\") $f$;"                                     \
	" ELSE"                                                                                    \
	"  CREATE FUNCTION sw_fold(text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE"        \
	"  AS $f$ SELECT lower($1) $f$;"                                                           \
	" END IF;"                                                                                 \
	"END $do$;"                                                                                \
	"CREATE INDEX items_search_title ON items USING gin (sw_fold(title) gin_trgm_ops);"        \
	"CREATE INDEX items_search_text ON items USING gin (sw_fold(text) gin_trgm_ops);"

/*
 * The read side's order (store_pg_read.c): published as SQLite's
 * strftime('%s') reads it, in unix seconds. sw_iso_key: YYYY-MM-DD, then
 * T or spaces, then HH:MM[:SS[.f]] and Z or +-HH:MM, each field in range,
 * days past a month's end carried into the next; sw_date_key: that, or a
 * bare number as a Julian day. NULL for anything else ("now" included:
 * a clock is not IMMUTABLE), never an error, so that one malformed date
 * cannot fail a list or a write. Then the index in that order.
 */
#define SCHEMA_READ                                                                                \
	"CREATE FUNCTION sw_iso_key(p text) RETURNS double precision LANGUAGE sql IMMUTABLE"       \
	" PARALLEL SAFE AS $f$"                                                                    \
	" SELECT CASE WHEN mo BETWEEN 1 AND 12 AND d BETWEEN 1 AND 31 AND h <= 24 AND mi <= 59"    \
	"  AND s <= 59 AND tzh <= 14 AND tzm <= 59 THEN"                                           \
	"  ((y / 400) * 146097 + (y % 400) * 365 + (y % 400) / 4 - (y % 400) / 100"                \
	"   + (153 * (mo + CASE WHEN mo > 2 THEN -3 ELSE 9 END) + 2) / 5 + d - 1"                  \
	"   - 719468 - 146097)::double precision * 86400"                                          \
	"  + h * 3600 + mi * 60 + s - tzs * (tzh * 3600 + tzm * 60) END"                           \
	" FROM (SELECT m[1]::int + 400 - (m[2]::int <= 2)::int AS y, m[2]::int AS mo,"             \
	"  m[3]::int AS d, coalesce(m[4]::int, 0) AS h, coalesce(m[5]::int, 0) AS mi,"             \
	"  coalesce(m[6]::int, 0) AS s, CASE m[7] WHEN '-' THEN -1 ELSE 1 END AS tzs,"             \
	"  coalesce(m[8]::int, 0) AS tzh, coalesce(m[9]::int, 0) AS tzm"                           \
	"  FROM regexp_match(p, '^([0-9]{4})-([0-9]{2})-([0-9]{2})[T ]*(?:([0-9]{2}):([0-9]{2})"   \
	"(?::([0-9]{2})(?:[.][0-9]+)?)? *(?:[Zz]|([-+])([0-9]{2}):([0-9]{2}))? *)?$') m) t"        \
	" $f$;"                                                                                    \
	"CREATE FUNCTION sw_date_key(p text) RETURNS double precision LANGUAGE sql IMMUTABLE"      \
	" PARALLEL SAFE AS $f$"                                                                    \
	" SELECT CASE WHEN p ~ '^[0-9]{1,15}([.][0-9]{0,15})?([eE][-+]?[0-9]{1,2})?$' THEN"        \
	"  CASE WHEN p::double precision < 5373484.5 THEN trunc((trunc(p::double precision"        \
	"   * 86400000 + 0.5) - 210866760000000) / 1000) END"                                      \
	" ELSE sw_iso_key(p) END $f$;"                                                             \
	"CREATE INDEX items_newest ON items ((coalesce(sw_date_key(published), first_seen)) DESC," \
	" id DESC);"

/*
 * Sharing the work between instances (daemon/lease.c). instances is
 * UNLOGGED: after a server crash its rows come back with the next
 * heartbeat. source_leases stays logged: it carries each source's owner,
 * expiry and epoch (the fencing token), all compared with the server's
 * now(), never an instance's clock.
 */
#define SCHEMA_LEASES                                                                              \
	"CREATE UNLOGGED TABLE instances ("                                                        \
	" instance_id text PRIMARY KEY, started_at timestamptz NOT NULL DEFAULT now(),"            \
	" heartbeat_at timestamptz NOT NULL DEFAULT now());"                                       \
	"CREATE TABLE source_leases ("                                                             \
	" source_id text PRIMARY KEY, owner text,"                                                 \
	" lease_until timestamptz NOT NULL DEFAULT '-infinity',"                                   \
	" epoch bigint NOT NULL DEFAULT 0,"                                                        \
	" next_poll_at timestamptz NOT NULL DEFAULT '-infinity');"                                 \
	"CREATE INDEX source_leases_owner ON source_leases (owner);"                               \
	"CREATE INDEX source_leases_until ON source_leases (lease_until);"

const struct pg_conn_step store_pg_steps[] = {
    {8, SCHEMA_SOURCES SCHEMA_ITEMS SCHEMA_EVENTS SCHEMA_SEARCH SCHEMA_READ SCHEMA_LEASES},
};
const size_t store_pg_nsteps = sizeof(store_pg_steps) / sizeof(store_pg_steps[0]);
