package faults

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/otel/codes"
	"go.uber.org/goleak"

	"github.com/sqlsight/sqlsight/internal/testenv"
	"github.com/sqlsight/sqlsight/sqltrace"
)

// TestMariaDBRestartMidLoad stops and restarts a private MariaDB while 16
// goroutines query it through the wrapper. The application must see the
// driver's own errors while the server is down and recover once it is
// back, with nothing hanging and nothing left behind.
func TestMariaDBRestartMidLoad(t *testing.T) {
	srv := startMariaDB(t)
	setup, err := sql.Open("mysql", srv.dsn(""))
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"CREATE DATABASE app",
		"CREATE TABLE app.ft_restart (id INT PRIMARY KEY, v INT NOT NULL)",
		"INSERT INTO app.ft_restart SELECT seq, 0 FROM app.seq_1_to_100",
	} {
		if _, err := setup.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	setup.Close()

	ignore := goleak.IgnoreCurrent()
	tel := testenv.NewTelemetry(t)
	db := sqltrace.OpenDB(srv.connector("app"), options(tel, sqltrace.WithSlowThreshold(time.Millisecond))...)
	db.SetMaxOpenConns(16)

	const workers = 16
	var (
		wg        sync.WaitGroup
		stop      = make(chan struct{})
		restarted atomic.Bool
		successes [workers]atomic.Int64 // before the restart
		recovered [workers]atomic.Int64 // successes after the server is back
		failures  atomic.Int64
		mu        sync.Mutex
		classes   = map[string]int{}
		unknown   []error
	)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				ctx = sqltrace.Scope(ctx)
				err := step(ctx, db, w, i)
				cancel()
				if err == nil {
					if restarted.Load() {
						recovered[w].Add(1)
					} else {
						successes[w].Add(1)
					}
					continue
				}
				failures.Add(1)
				class := driverErrorClass(err)
				mu.Lock()
				classes[class]++
				if class == "" && len(unknown) < 10 {
					unknown = append(unknown, err)
				}
				mu.Unlock()
			}
		}()
	}

	everyone := func(counts *[workers]atomic.Int64, n int64) func() bool {
		return func() bool {
			for i := range counts {
				if counts[i].Load() < n {
					return false
				}
			}
			return true
		}
	}
	// Wait for every worker to succeed before the restart.
	testenv.WaitFor(t, 30*time.Second, everyone(&successes, 3))
	srv.stop()
	before := failures.Load()
	// Wait for the workers to see the server gone.
	testenv.WaitFor(t, 30*time.Second, func() bool { return failures.Load() >= before+workers })
	srv.start()
	restarted.Store(true)
	// Wait for every worker to recover after the restart.
	testenv.WaitFor(t, 60*time.Second, everyone(&recovered, 3))
	close(stop)
	within(t, 30*time.Second, "the load goroutines", wg.Wait)

	mu.Lock()
	t.Logf("errors while the server was down, by kind: %v", classes)
	for _, err := range unknown {
		t.Errorf("an error no driver returns: %T %v", err, err)
	}
	mu.Unlock()

	failed := 0
	for _, s := range tel.Spans.Ended() {
		if s.Status().Code == codes.Error {
			failed++
		}
	}
	if failed == 0 {
		t.Error("no span recorded the outage")
	}
	within(t, 30*time.Second, "DB.Close", func() {
		if err := db.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	goleak.VerifyNone(t, ignore, goleak.IgnoreAnyFunction(reapFunc))
}

// step is one unit of the load: a point read, a write, or a short scan.
func step(ctx context.Context, db *sql.DB, worker, i int) error {
	id := (worker*7+i)%100 + 1
	switch i % 3 {
	case 0:
		var v int
		return db.QueryRowContext(ctx, "SELECT v FROM ft_restart WHERE id = ?", id).Scan(&v)
	case 1:
		_, err := db.ExecContext(ctx, "UPDATE ft_restart SET v = v + 1 WHERE id = ?", id)
		return err
	default:
		rows, err := db.QueryContext(ctx, "SELECT id, v FROM ft_restart WHERE id BETWEEN ? AND ?", id, id+10)
		if err != nil {
			return err
		}
		defer rows.Close()
		n := 0
		for rows.Next() {
			var a, b int
			if err := rows.Scan(&a, &b); err != nil {
				return err
			}
			n++
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("scan from %d: no rows", id)
		}
		return nil
	}
}
