package faults

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

// mariadbd is a private MariaDB server for one test, so that it can be
// stopped and started without disturbing anyone else's server.
type mariadbd struct {
	t       *testing.T
	bin     string
	dir     string
	port    int
	cmd     *exec.Cmd
	exited  chan struct{}
	logFile *os.File
}

const (
	mariadbdBin  = "/usr/sbin/mariadbd"
	installDBBin = "mariadb-install-db"
)

// startMariaDB initialises a data directory and starts a server on a free
// loopback port. It skips the test when MariaDB is not installed.
func startMariaDB(t *testing.T) *mariadbd {
	t.Helper()
	bin, err := exec.LookPath(mariadbdBin)
	if err != nil {
		t.Skipf("private MariaDB tests skipped: %s not found (apt-get install mariadb-server)", mariadbdBin)
	}
	install, err := exec.LookPath(installDBBin)
	if err != nil {
		t.Skipf("private MariaDB tests skipped: %s not found (apt-get install mariadb-server)", installDBBin)
	}
	dir := t.TempDir()
	out, err := exec.Command(install, "--no-defaults", "--datadir="+filepath.Join(dir, "data"), "--user="+currentUser(),
		"--auth-root-authentication-method=normal", "--skip-test-db", "--skip-name-resolve").CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", installDBBin, err, out)
	}
	m := &mariadbd{t: t, bin: bin, dir: dir, port: freePort(t)}
	m.start()
	t.Cleanup(m.stop)
	return m
}

func currentUser() string {
	if os.Geteuid() == 0 {
		return "root" // mariadbd refuses to run as root unless told to
	}
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	return strconv.Itoa(os.Geteuid())
}

// freePort returns a loopback port nothing listens on now.
func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// start runs the server and waits until it answers.
func (m *mariadbd) start() {
	m.t.Helper()
	log, err := os.OpenFile(filepath.Join(m.dir, "mariadbd.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		m.t.Fatal(err)
	}
	m.logFile = log
	m.cmd = exec.Command(m.bin, "--no-defaults", "--datadir="+filepath.Join(m.dir, "data"),
		"--socket="+filepath.Join(m.dir, "mysqld.sock"), "--pid-file="+filepath.Join(m.dir, "mysqld.pid"),
		"--port="+strconv.Itoa(m.port), "--bind-address=127.0.0.1", "--user="+currentUser(),
		"--skip-name-resolve", "--skip-log-bin", "--innodb-buffer-pool-size=16M", "--max-connections=200")
	m.cmd.Stdout, m.cmd.Stderr = log, log
	if err := m.cmd.Start(); err != nil {
		m.t.Fatal(err)
	}
	m.exited = make(chan struct{})
	go reap(m.cmd, m.exited)
	m.waitReady(60 * time.Second)
}

// reap waits for the server process to exit. Tests that check for leaked
// goroutines while the server runs ignore it by name.
func reap(cmd *exec.Cmd, exited chan struct{}) {
	_ = cmd.Wait()
	close(exited)
}

const reapFunc = "github.com/sqlsight/sqlsight/internal/faults.reap"

// waitReady polls the server with a plain connection until it answers.
func (m *mariadbd) waitReady(timeout time.Duration) {
	m.t.Helper()
	db, err := sql.Open("mysql", m.dsn(""))
	if err != nil {
		m.t.Fatal(err)
	}
	defer db.Close()
	deadline := time.Now().Add(timeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := db.PingContext(ctx)
		cancel()
		if err == nil {
			return
		}
		select {
		case <-m.exited:
			out, _ := os.ReadFile(filepath.Join(m.dir, "mariadbd.log"))
			m.t.Fatalf("mariadbd exited while starting:\n%s", out)
		default:
		}
		if time.Now().After(deadline) {
			m.t.Fatalf("mariadbd on port %d not ready after %s: %v", m.port, timeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop sends SIGTERM and waits for the server to exit.
func (m *mariadbd) stop() {
	if m.cmd == nil {
		return
	}
	_ = m.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-m.exited:
	case <-time.After(60 * time.Second):
		_ = m.cmd.Process.Kill()
		<-m.exited
	}
	m.cmd = nil
	_ = m.logFile.Close()
}

// dsn is the DSN of database db (none when empty) on this server.
func (m *mariadbd) dsn(db string) string {
	return fmt.Sprintf("root@tcp(127.0.0.1:%d)/%s", m.port, db)
}

// connector returns a go-sql-driver/mysql connector to database db with
// short network timeouts, as a service that must not hang would set.
func (m *mariadbd) connector(db string) driver.Connector {
	m.t.Helper()
	cfg, err := mysql.ParseDSN(m.dsn(db))
	if err != nil {
		m.t.Fatal(err)
	}
	cfg.Timeout, cfg.ReadTimeout, cfg.WriteTimeout = 2*time.Second, 5*time.Second, 5*time.Second
	c, err := mysql.NewConnector(cfg)
	if err != nil {
		m.t.Fatal(err)
	}
	return c
}
