package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"testing"

	"github.com/redis/go-redis/v9"
)

// runMainEnv, set in a child process's environment, makes the test binary
// run main() with its arguments: the tests that need the real process (its
// own stderr, which libraries may write to directly) run the CLI so.
const runMainEnv = "UPVEST_CLI_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		main()
		return
	}
	redis.SetLogger(silentRedis{}) // as main does, for the tests calling run
	os.Exit(m.Run())
}

// runProcess runs the CLI with args in a child process with env only (and
// PATH), and returns its exit code, stdout and stderr.
func runProcess(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), failsafe)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], args...)
	cmd.Env = []string{runMainEnv + "=1", "PATH=" + os.Getenv("PATH")}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("%q still running after %s: %s", args, failsafe, errb.String())
	}
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatal(err)
	}
	return cmd.ProcessState.ExitCode(), out.String(), errb.String()
}
