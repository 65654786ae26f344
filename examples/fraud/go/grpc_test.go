package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	polyscore "github.com/polyscore/polyscore/bindings/go"
)

// startScoringService runs a real `polyscore-serve` (from POLYSCORE_BUILD_DIR, default
// ../../../build) over a copy of the fraud model on a free loopback port, and returns
// its gRPC address and the process; it is stopped when the test ends.
func startScoringService(t *testing.T) (string, *exec.Cmd) {
	t.Helper()
	build := os.Getenv("POLYSCORE_BUILD_DIR")
	if build == "" {
		build = filepath.Join("..", "..", "..", "build")
	}
	server := filepath.Join(build, "polyscore-serve")
	if _, err := os.Stat(server); err != nil {
		t.Fatalf("no scoring service to test against (build with -DPOLYSCORE_SERVER=ON): %v", err)
	}
	models := t.TempDir()
	model, err := os.ReadFile(modelPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(models, "fraud-v3", "1"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(models, "fraud-v3", "1", "model.json"), model, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(server, "--models", models, "--grpc", "127.0.0.1:0", "--http", "127.0.0.1:0", "--poll-seconds", "0")
	logs, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	ports := make(chan int, 1)
	go func() { // the server logs one JSON object a line; "serving" names its ports
		lines := bufio.NewScanner(logs)
		for lines.Scan() {
			var entry struct {
				Msg      string `json:"msg"`
				GrpcPort int    `json:"grpc_port"`
			}
			if json.Unmarshal(lines.Bytes(), &entry) == nil && entry.Msg == "serving" {
				ports <- entry.GrpcPort
			}
		}
	}()
	select {
	case port := <-ports:
		return fmt.Sprintf("127.0.0.1:%d", port), cmd
	case <-time.After(30 * time.Second):
		t.Fatal("polyscore-serve did not start in 30s")
	}
	return "", nil
}

func TestGRPCModeScoresLikeInProcess(t *testing.T) {
	target, _ := startScoringService(t)
	base := startServer(t, "-scorer", target)
	direct, err := polyscore.Load(modelPath)
	if err != nil {
		t.Fatal(err)
	}
	defer direct.Close()
	rows := readExpected(t)
	rows = append(rows, expectedRow{features: []float64{math.NaN(), 1.2}})
	for _, row := range rows {
		features := make([]any, len(row.features))
		for i, f := range row.features {
			if math.IsNaN(f) {
				features[i] = nil // a missing value
			} else {
				features[i] = f
			}
		}
		body, _ := json.Marshal(map[string]any{"features": features, "model": "fraud-v3"})
		status, out := post(t, base, string(body))
		if status != http.StatusOK {
			t.Fatalf("%s: status %d %v", body, status, out)
		}
		want, err := direct.PredictRow(row.features, nil)
		if err != nil {
			t.Fatal(err)
		}
		if out["score"] != want[0] {
			t.Errorf("%s: score %v over gRPC, %v in-process: not exact", body, out["score"], want[0])
		}
	}
}

func TestGRPCModeErrors(t *testing.T) {
	target, service := startScoringService(t)
	base := startServer(t, "-scorer", target)
	cases := []struct {
		body   string
		status int
		substr string
	}{
		{`{"features":[0.4,1.2],"model":"nope"}`, http.StatusNotFound, "nope"},
		{`{"features":[0.4],"model":"fraud-v3"}`, http.StatusBadRequest, "feature"},
		{`{"features":[0.4,1.2]}`, http.StatusBadRequest, `"model" is required`},
	}
	for _, c := range cases {
		status, out := post(t, base, c.body)
		msg, _ := out["error"].(string)
		if status != c.status || !strings.Contains(msg, c.substr) {
			t.Errorf("%s: %d %q, want %d and a message with %q", c.body, status, msg, c.status, c.substr)
		}
	}
	// The scoring service gone: 503, not a hang or a 500.
	service.Process.Kill()
	service.Wait()
	status, out := post(t, base, `{"features":[0.4,1.2],"model":"fraud-v3"}`)
	if status != http.StatusServiceUnavailable {
		t.Errorf("service down: %d %v, want 503", status, out)
	}
	if err := run(t.Context(), []string{"-scorer", target, "-model", modelPath}, nil, nil); err == nil ||
		!strings.Contains(err.Error(), "not both") {
		t.Errorf("-scorer with -model: %v", err)
	}
}
