package explainer

import (
	"strings"
	"testing"
)

func TestCreateIndex(t *testing.T) {
	tests := []struct {
		d     Dialect
		table string
		cols  []string
		want  string
	}{
		{MySQL, "review", []string{"n_review_id"}, "ALTER TABLE review ADD INDEX ix_review_n_review_id (n_review_id), ALGORITHM=INPLACE, LOCK=NONE"},
		{MariaDB, "app.review", []string{"n_review_id", "reid"}, "ALTER TABLE app.review ADD INDEX ix_review_n_review_id_reid (n_review_id, reid), ALGORITHM=INPLACE, LOCK=NONE"},
		{MySQL, "Review", []string{"nReviewId"}, "ALTER TABLE Review ADD INDEX ix_review_nreviewid (nReviewId), ALGORITHM=INPLACE, LOCK=NONE"},
		{PostgreSQL, "Review", []string{"nReviewId"}, `CREATE INDEX CONCURRENTLY ix_review_nreviewid ON "Review" ("nReviewId")`},
		{PostgreSQL, "order", []string{"user"}, `CREATE INDEX CONCURRENTLY ix_order_user ON "order" ("user")`},
		{MySQL, "order", []string{"key"}, "ALTER TABLE `order` ADD INDEX ix_order_key (`key`), ALGORITHM=INPLACE, LOCK=NONE"},
		{SQLite, "my table", []string{"a\"b"}, `CREATE INDEX ix_my_table_a_b ON "my table" ("a""b")`},
		{MySQL, "t`x", []string{"1col"}, "ALTER TABLE `t``x` ADD INDEX ix_t_x_1col (`1col`), ALGORITHM=INPLACE, LOCK=NONE"},
	}
	for _, tt := range tests {
		if got := createIndex(tt.d, tt.table, tt.cols); got != tt.want {
			t.Errorf("%s %s %v:\n got %s\nwant %s", tt.d, tt.table, tt.cols, got, tt.want)
		}
	}
}

func TestIndexNameBound(t *testing.T) {
	long := strings.Repeat("very_long_column_name_", 10)
	a := indexName("review", []string{long, "a"})
	b := indexName("review", []string{long, "b"})
	if len(a) > maxIdentLen || len(b) > maxIdentLen || a == b || !strings.HasPrefix(a, "ix_review_") {
		t.Errorf("names %q, %q", a, b)
	}
}

func TestIndexSpecInclude(t *testing.T) {
	tests := []struct {
		d      Dialect
		online string
		plain  string
	}{
		{PostgreSQL, "CREATE INDEX CONCURRENTLY ix_chat_user_id_room_id_unread ON chat (user_id) INCLUDE (room_id, unread)",
			"CREATE INDEX ix_chat_user_id_room_id_unread ON chat (user_id) INCLUDE (room_id, unread)"},
		{MariaDB, "ALTER TABLE chat ADD INDEX ix_chat_user_id_room_id_unread (user_id, room_id, unread), ALGORITHM=INPLACE, LOCK=NONE",
			"CREATE INDEX ix_chat_user_id_room_id_unread ON chat (user_id, room_id, unread)"},
		{SQLite, "CREATE INDEX ix_chat_user_id_room_id_unread ON chat (user_id, room_id, unread)",
			"CREATE INDEX ix_chat_user_id_room_id_unread ON chat (user_id, room_id, unread)"},
	}
	for _, tt := range tests {
		ix := newIndexSpec(tt.d, "chat", []string{"user_id"}, []string{"room_id", "USER_ID", "unread"})
		if got := ix.onlineDDL(tt.d); got != tt.online {
			t.Errorf("%s online:\n got %s\nwant %s", tt.d, got, tt.online)
		}
		if got := ix.plainDDL(tt.d); got != tt.plain {
			t.Errorf("%s plain:\n got %s\nwant %s", tt.d, got, tt.plain)
		}
	}
}

func TestIndexSpecCandidates(t *testing.T) {
	ix := indexSpec{table: "t", cols: []string{"a", "b", "c"}}
	var got []string
	for _, c := range ix.candidates() {
		got = append(got, strings.Join(c.cols, ","))
	}
	if strings.Join(got, " ") != "a,b,c a a,b" {
		t.Errorf("candidates %v", got)
	}
	one := indexSpec{table: "t", cols: []string{"a"}}
	if n := len(one.candidates()); n != 1 {
		t.Errorf("%d candidates for one column", n)
	}
	inc := indexSpec{table: "t", cols: []string{"a"}, include: []string{"x"}}
	if c := inc.candidates(); len(c) != 2 || len(c[1].include) != 0 {
		t.Errorf("candidates of a covering index %+v", c)
	}
}
