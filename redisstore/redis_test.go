package redisstore

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// redisServer is a redis-server process of a test's own, on a loopback port, without
// persistence. CI sets GHL_REQUIRE_REDIS=1 so that a missing binary fails the run instead of
// skipping these tests.
type redisServer struct {
	t          testing.TB
	bin        string
	dir        string
	persistent bool
	Addr       string

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan error // receives cmd.Wait's result once the process ends
}

func init() {
	// go-redis logs every failed dial to stderr; the tests that stop Redis check the errors.
	redis.SetLogger(quietLogger{})
}

type quietLogger struct{}

func (quietLogger) Printf(context.Context, string, ...any) {}

func startRedis(t testing.TB) *redisServer { return startRedisServer(t, false) }

// startPersistentRedis starts a server that writes every change to an append-only file
// before answering, so data survives Stop and Restart as on a production server.
func startPersistentRedis(t testing.TB) *redisServer { return startRedisServer(t, true) }

func startRedisServer(t testing.TB, persistent bool) *redisServer {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		for _, p := range []string{"/usr/bin/redis-server", "/usr/local/bin/redis-server", "/usr/sbin/redis-server"} {
			if _, serr := os.Stat(p); serr == nil {
				bin, err = p, nil
				break
			}
		}
	}
	if err != nil {
		if os.Getenv("GHL_REQUIRE_REDIS") == "1" {
			t.Fatalf("redis-server not found and GHL_REQUIRE_REDIS=1: %v", err)
		}
		t.Skip("redis-server not installed (apt-get install redis-server); set GHL_REQUIRE_REDIS=1 to fail instead")
	}
	s := &redisServer{t: t, bin: bin, dir: t.TempDir(), persistent: persistent}
	var lastErr error
	// The free port found by listening may be taken again before redis-server binds it.
	for range 5 {
		s.Addr = freeAddr(t)
		if lastErr = s.start(); lastErr == nil {
			t.Cleanup(s.Stop)
			return s
		}
	}
	t.Fatalf("starting redis-server: %v", lastErr)
	return nil
}

func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// start runs redis-server on s.Addr and waits until it answers PING.
func (s *redisServer) start() error {
	host, port, _ := net.SplitHostPort(s.Addr)
	args := []string{"--bind", host, "--port", port, "--dir", s.dir, "--save", "",
		"--daemonize", "no", "--protected-mode", "no", "--loglevel", "warning",
		"--logfile", filepath.Join(s.dir, "redis-"+port+".log")}
	if s.persistent {
		args = append(args, "--appendonly", "yes", "--appendfsync", "always")
	} else {
		args = append(args, "--appendonly", "no")
	}
	cmd := exec.Command(s.bin, args...)
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	rdb := redis.NewClient(&redis.Options{Addr: s.Addr, MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	defer rdb.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		err := rdb.Ping(ctx).Err()
		cancel()
		if err == nil {
			break
		}
		select {
		case werr := <-exited:
			log, _ := os.ReadFile(filepath.Join(s.dir, "redis-"+port+".log"))
			return fmt.Errorf("redis-server exited (%v): %s", werr, log)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			<-exited
			return fmt.Errorf("redis-server on %s did not answer PING: %v", s.Addr, err)
		}
	}
	s.mu.Lock()
	s.cmd, s.exited = cmd, exited
	s.mu.Unlock()
	return nil
}

// Stop kills the server (SIGKILL, as in a crash) and waits for it to exit. Unless it is
// persistent, its data is gone.
func (s *redisServer) Stop() {
	s.mu.Lock()
	cmd, exited := s.cmd, s.exited
	s.cmd = nil
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Kill()
	<-exited
}

// Restart starts the server again on the same address (and data directory).
func (s *redisServer) Restart() {
	s.t.Helper()
	s.Stop()
	var err error
	for range 50 {
		if err = s.start(); err == nil {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.t.Fatalf("restarting redis-server: %v", err)
}

// Client returns a client of the server that the test closes at cleanup. It gives up on a
// stopped server after one retry (the defaults take about 2 s per call), to keep tests fast.
func (s *redisServer) Client(t testing.TB) *redis.Client {
	rdb := redis.NewClient(&redis.Options{Addr: s.Addr, MaxRetries: 1, DialerRetries: 1})
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb
}

// newStore returns a store on a fresh prefix of srv.
func newStore(t testing.TB, srv *redisServer, opts ...Option) *Store {
	t.Helper()
	opts = append([]Option{WithPrefix("test:" + strconv.FormatInt(time.Now().UnixNano(), 36) + ":")}, opts...)
	st, err := New(srv.Client(t), opts...)
	require.NoError(t, err)
	return st
}
