package sqlinfo

import (
	"strings"

	sqllexer "github.com/DataDog/go-sqllexer"
)

// notCalls are keywords a parenthesis follows without making a call:
// "IN (", "OVER (", "AS (", "VALUES (" ...
var notCalls = wordSet(`IN EXISTS ANY ALL SOME VALUES VALUE USING ON AS OVER FILTER GROUP WITHIN ARRAY ROW AND OR
	NOT WHERE SELECT FROM JOIN WHEN THEN ELSE CASE BY IS LIKE ILIKE RLIKE REGEXP SIMILAR TO BETWEEN RETURNING SET
	LIMIT OFFSET HAVING UNION INTERSECT EXCEPT DISTINCT WITH RECURSIVE LATERAL INTO TABLE KEY INDEX PARTITION PRIMARY
	UNIQUE CHECK DEFAULT REFERENCES FOREIGN MATERIALIZED CONFLICT SETS ESCAPE FOR OF NULLS ORDER FETCH WINDOW
	RANGE ROWS GROUPS PRECEDING FOLLOWING INSERT UPDATE DELETE REPLACE`)

// wordSet builds a set of upper- or lower-case words from a list.
func wordSet(list string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(list) {
		m[w] = true
	}
	return m
}

// afterNotCall are words after which "name (" is a column list or a type,
// not a call: INSERT INTO t (a), REFERENCES t (id), AS t (a, b),
// CAST(x AS varchar(10)).
var afterNotCall = wordSet(`INTO TABLE REFERENCES AS`)

// calls lists the functions the statement calls, each once, lower-cased
// unless quoted (PostgreSQL keeps a quoted name's case), qualified as
// written. unnamed is set when something looks like a call whose name
// cannot be read.
func calls(toks []token, d Dialect) (names []string, unnamed bool) {
	withDepth, inWith := -1, false
	for i, t := range toks {
		switch {
		case t.upper == "WITH":
			withDepth, inWith = t.depth, true
			continue
		case inWith && t.depth == withDepth && (t.upper == "SELECT" || t.upper == "INSERT" || t.upper == "UPDATE" ||
			t.upper == "DELETE" || t.upper == "MERGE" || t.upper == "VALUES"):
			inWith = false
		}
		if t.value != "(" || i == 0 {
			continue
		}
		p := toks[i-1]
		switch p.typ {
		case sqllexer.IDENT, sqllexer.FUNCTION, sqllexer.QUOTED_IDENT, sqllexer.KEYWORD, sqllexer.COMMAND,
			sqllexer.BOOLEAN, sqllexer.NULL, sqllexer.PROC_INDICATOR, sqllexer.CTE_INDICATOR, sqllexer.ALIAS_INDICATOR:
		case sqllexer.ERROR, sqllexer.UNKNOWN:
			unnamed = true
			continue
		default:
			continue // grouping after an operator, a literal or a parenthesis
		}
		up := p.upper
		if up == "" {
			up = strings.ToUpper(p.value)
		}
		if p.typ != sqllexer.QUOTED_IDENT && notCalls[up] {
			continue
		}
		var pp token
		if i >= 2 {
			pp = toks[i-2]
		}
		if afterNotCall[pp.upper] {
			continue
		}
		// An alias with columns after a function in FROM:
		// generate_series(1, 3) g(n). After a ')' a call needs an operator.
		if pp.value == ")" {
			continue
		}
		// A CTE's column list: WITH x (a, b) AS (...), y (c) AS (...).
		if inWith && p.depth == withDepth && (pp.upper == "WITH" || pp.upper == "RECURSIVE" || pp.value == ",") {
			continue
		}
		if pp.value == "." {
			unnamed = true // a name the lexer split: do not guess
			continue
		}
		name := callName(p.value, d)
		if name == "" {
			unnamed = true
			continue
		}
		if !contains(names, name) {
			names = append(names, name)
		}
	}
	return names, unnamed
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// callName normalizes a possibly qualified, possibly quoted function name:
// "" when it cannot be read.
func callName(v string, d Dialect) string {
	var b strings.Builder
	for part := range strings.SplitSeq(v, ".") {
		part = strings.TrimSpace(part)
		if part == "" {
			return ""
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		switch q := part[0]; q {
		case '"', '`', '[':
			closing := q
			if q == '[' {
				closing = ']'
			}
			if len(part) < 2 || part[len(part)-1] != closing {
				return "" // a dot inside quotes: not a name to guess at
			}
			inner := part[1 : len(part)-1]
			if inner == "" || strings.IndexByte(inner, closing) >= 0 {
				return ""
			}
			if d == PostgreSQL && q == '"' {
				b.WriteString(inner) // a quoted name keeps its case
			} else {
				b.WriteString(strings.ToLower(inner))
			}
		default:
			if strings.ContainsAny(part, "\"`[]'") {
				return ""
			}
			b.WriteString(strings.ToLower(part))
		}
	}
	return b.String()
}

// Built-in functions without side effects whose cost is that of the
// statement itself: aggregates, string, date, math, JSON and conditional
// functions, casts and type names (which read like calls: varchar(10)).
// Absent on purpose: user-defined functions, SLEEP, BENCHMARK, GET_LOCK,
// RELEASE_LOCK, IS_FREE_LOCK, LOAD_FILE, pg_sleep*, pg_advisory_*,
// pg_terminate_backend, pg_cancel_backend, nextval, setval, currval,
// set_config, dblink*, lo_*, pg_read_file, txid_*, load_extension,
// randomblob, zeroblob...
var (
	commonFunctions = wordSet(`count sum avg min max coalesce nullif greatest least abs round floor ceil ceiling
		mod power pow sqrt exp ln log log10 log2 sign pi sin cos tan asin acos atan atan2 degrees radians trunc truncate
		lower upper length char_length character_length octet_length bit_length substring substr trim ltrim rtrim
		replace concat concat_ws left right lpad rpad reverse position instr locate strpos repeat ascii chr char
		cast convert extract date time timestamp now current_date current_time current_timestamp localtime
		localtimestamp year month day hour minute second week quarter dayofweek dayofmonth dayofyear
		json_extract json_object json_array json_value json_query json_contains json_length json_keys json_valid
		json_type json_unquote json_quote json_arrayagg json_objectagg
		varchar nvarchar nchar character varying numeric decimal dec float double real int integer bigint smallint
		tinyint mediumint bit varbit binary varbinary timestamptz timetz interval datetime text blob json jsonb bool
		boolean uuid signed unsigned enum
		if ifnull isnull nvl row_number rank dense_rank percent_rank cume_dist ntile lag lead first_value
		last_value nth_value stddev stddev_pop stddev_samp variance var_pop var_samp bit_and bit_or bit_xor
		group_concat string_agg array_agg bool_and bool_or every hex unhex md5 sha1 sha2 crc32 format
		rollup cube grouping`)
	mysqlFunctions = wordSet(`lcase ucase mid field find_in_set elt make_set export_set soundex space strcmp
		substring_index insert quote regexp_like regexp_replace regexp_substr regexp_instr
		curdate curtime sysdate utc_date utc_time utc_timestamp date_format date_add date_sub adddate subdate
		addtime subtime datediff timediff timestampdiff timestampadd to_days from_days to_seconds unix_timestamp
		from_unixtime str_to_date last_day makedate maketime monthname dayname weekday weekofyear yearweek
		period_add period_diff sec_to_time time_to_sec time_format get_format microsecond convert_tz
		json_set json_insert json_replace json_remove json_merge json_merge_patch json_merge_preserve
		json_search json_depth json_pretty json_overlaps json_table json_array_append json_array_insert
		json_contains_path member
		database schema version user current_user session_user system_user connection_id found_rows
		last_insert_id row_count charset collation coercibility
		uuid_short bin oct conv inet_aton inet_ntoa inet6_aton inet6_ntoa is_ipv4 is_ipv6 to_base64 from_base64
		rand match against interval weight_string ord char_length`)
	postgresFunctions = wordSet(`date_trunc date_part to_char to_date to_timestamp to_number age make_date
		make_time make_timestamp make_timestamptz make_interval justify_days justify_hours justify_interval
		clock_timestamp statement_timestamp transaction_timestamp timeofday isfinite
		initcap split_part btrim regexp_replace regexp_matches regexp_match regexp_split_to_array
		regexp_split_to_table regexp_like starts_with translate quote_ident quote_literal quote_nullable
		encode decode md5 sha224 sha256 sha384 sha512 to_hex string_to_array array_to_string
		array_length array_upper array_lower array_position array_positions array_append array_prepend
		array_cat array_remove array_replace cardinality unnest generate_series generate_subscripts
		json_build_object jsonb_build_object json_build_array jsonb_build_array json_agg jsonb_agg
		json_object_agg jsonb_object_agg to_json to_jsonb row_to_json array_to_json json_each jsonb_each
		json_each_text jsonb_each_text json_array_elements jsonb_array_elements json_array_elements_text
		jsonb_array_elements_text json_extract_path jsonb_extract_path json_extract_path_text
		jsonb_extract_path_text jsonb_set jsonb_insert jsonb_strip_nulls json_strip_nulls jsonb_pretty
		json_typeof jsonb_typeof jsonb_path_query jsonb_path_exists jsonb_path_match jsonb_path_query_array
		jsonb_path_query_first json_array_length jsonb_array_length json_object_keys jsonb_object_keys
		percentile_cont percentile_disc mode regr_slope corr covar_pop covar_samp
		current_setting current_schema current_schemas current_database current_catalog current_user
		session_user version pg_backend_pid format_type col_description obj_description pg_get_expr
		pg_get_indexdef pg_get_constraintdef pg_get_viewdef pg_get_userbyid pg_table_is_visible
		pg_type_is_visible has_table_privilege has_schema_privilege has_column_privilege
		pg_get_serial_sequence pg_relation_size pg_total_relation_size pg_table_size pg_indexes_size
		pg_size_pretty pg_encoding_to_char pg_typeof to_regclass to_regtype array_dims
		lower_inc upper_inc lower_inf upper_inf isempty range_merge numrange int4range int8range
		daterange tsrange tstzrange to_tsvector to_tsquery plainto_tsquery phraseto_tsquery
		websearch_to_tsquery ts_rank ts_rank_cd ts_headline setweight similarity width_bucket scale
		gcd lcm factorial div cbrt random gen_random_uuid`)
	sqliteFunctions = wordSet(`total iif printf instr glob like likelihood likely unlikely unicode quote typeof
		julianday datetime strftime unixepoch timediff json_group_array json_group_object json_insert
		json_patch json_remove json_replace json_set json_each json_tree json_extract json_error_position
		jsonb_extract group_concat random changes total_changes last_insert_rowid sqlite_version
		octet_length median`)
)

// SafeFunction reports whether name (as Info.Functions lists it) is a
// built-in function of dialect d known to have no side effects and no cost
// beyond the statement's own. Schema-qualified names are user functions,
// except PostgreSQL's pg_catalog.
func SafeFunction(d Dialect, name string) bool {
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		if d != PostgreSQL || name[:i] != "pg_catalog" {
			return false
		}
		name = name[i+1:]
	}
	if commonFunctions[name] {
		return true
	}
	switch d {
	case MySQL:
		return mysqlFunctions[name]
	case PostgreSQL:
		return postgresFunctions[name]
	case SQLite:
		return sqliteFunctions[name]
	}
	return false
}
