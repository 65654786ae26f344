package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"math"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	polyscore "github.com/polyscore/polyscore/bindings/go"
)

const modelPath = "../fraud-v3.json"

// startServer runs the service on a loopback port chosen by the kernel and
// returns its base URL; the server stops when the test ends.
func startServer(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"-addr", "127.0.0.1:0"}, args...), io.Discard, func(a string) { addrc <- a })
	}()
	t.Cleanup(func() {
		// The client's transport may hold connections it dialled but never used;
		// the server counts such a connection as busy for 5 s during Shutdown,
		// so close them first, as a client that is done would.
		client.CloseIdleConnections()
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("server: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("server did not stop")
		}
	})
	select {
	case a := <-addrc:
		return "http://" + a
	case err := <-done:
		t.Fatalf("server did not start: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("server did not start in 10s")
	}
	return ""
}

var client = &http.Client{Timeout: 5 * time.Second}

// post sends body to /predict and decodes the JSON answer into a map.
func post(t *testing.T, base, body string) (int, map[string]any) {
	t.Helper()
	resp, err := client.Post(base+"/predict", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" && resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("Content-Type %q", ct)
	}
	var out map[string]any
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusMethodNotAllowed {
		if err := json.Unmarshal(data, &out); err != nil {
			t.Fatalf("answer %q is not JSON: %v", data, err)
		}
	}
	return resp.StatusCode, out
}

type expectedRow struct {
	features []float64
	prob     float64
}

func readExpected(t *testing.T) []expectedRow {
	f, err := os.Open("../expected.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var rows []expectedRow
	for _, rec := range recs[1:] { // header: amount_zscore,velocity,probability
		var v []float64
		for _, s := range rec {
			x, err := strconv.ParseFloat(s, 64)
			if err != nil {
				t.Fatal(err)
			}
			v = append(v, x)
		}
		rows = append(rows, expectedRow{v[:2], v[2]})
	}
	if len(rows) == 0 {
		t.Fatal("no rows in expected.csv")
	}
	return rows
}

func TestPredict(t *testing.T) {
	base := startServer(t, "-model", "fraud-v3="+modelPath)
	direct, err := polyscore.Load(modelPath)
	if err != nil {
		t.Fatal(err)
	}
	defer direct.Close()
	for _, row := range readExpected(t) {
		body, _ := json.Marshal(map[string]any{"features": row.features, "model": "fraud-v3"})
		status, out := post(t, base, string(body))
		if status != http.StatusOK {
			t.Fatalf("%s: status %d %v", body, status, out)
		}
		score, _ := out["score"].(float64)
		if math.Abs(score-row.prob) > 1e-6*math.Abs(row.prob) {
			t.Errorf("%s: score %v, XGBoost says %v", body, score, row.prob)
		}
		want, err := direct.PredictRow(row.features, nil)
		if err != nil {
			t.Fatal(err)
		}
		if score != want[0] {
			t.Errorf("%s: score %v, the binding gives %v: not exact through JSON", body, score, want[0])
		}
		label := "legit"
		if score >= 0.5 {
			label = "fraud"
		}
		if out["label"] != label || len(out) != 2 {
			t.Errorf("%s: answer %v, want label %s", body, out, label)
		}
	}

	// The example from the README.
	status, out := post(t, base, `{"features":[0.4,1.2],"model":"fraud-v3"}`)
	if status != http.StatusOK || out["label"] != "fraud" {
		t.Fatalf("README example: %d %v", status, out)
	}
	// null is a missing value.
	status, out = post(t, base, `{"features":[null,1.2],"model":"fraud-v3"}`)
	want, _ := direct.PredictRow([]float64{math.NaN(), 1.2}, nil)
	if status != http.StatusOK || out["score"] != want[0] {
		t.Fatalf("null feature: %d %v, want score %v", status, out, want[0])
	}
}

func TestErrors(t *testing.T) {
	base := startServer(t) // the default model flag: ../fraud-v3.json as fraud-v3
	for _, c := range []struct {
		name, body string
		status     int
		message    string
	}{
		{"bad JSON", `{"features":[0.4,`, 400, "invalid JSON"},
		{"not an object", `[1,2]`, 400, "invalid JSON"},
		{"string feature", `{"features":["a",1],"model":"fraud-v3"}`, 400, "invalid JSON"},
		{"unknown field", `{"features":[1,2],"model":"fraud-v3","x":1}`, 400, "unknown field"},
		{"two values", `{"features":[1,2],"model":"fraud-v3"} {}`, 400, "more than one"},
		{"no model", `{"features":[1,2]}`, 400, `"model" is required`},
		{"no features", `{"model":"fraud-v3"}`, 400, `"features" is required`},
		{"too few features", `{"features":[1],"model":"fraud-v3"}`, 400, "input has 1 features per row but the model expects 2"},
		{"too many features", `{"features":[1,2,3],"model":"fraud-v3"}`, 400, "input has 3 features per row but the model expects 2"},
		{"empty features", `{"features":[],"model":"fraud-v3"}`, 400, "input has 0 features"},
		{"unknown model", `{"features":[1,2],"model":"fraud-v9"}`, 404, `unknown model "fraud-v9"; known models: fraud-v3`},
		{"huge body", `{"features":[` + strings.Repeat("1,", 1<<19+16) + `1],"model":"fraud-v3"}`, 413, "too large"},
	} {
		t.Run(c.name, func(t *testing.T) {
			status, out := post(t, base, c.body)
			msg, _ := out["error"].(string)
			if status != c.status || !strings.Contains(msg, c.message) {
				t.Fatalf("got %d %q, want %d with %q", status, msg, c.status, c.message)
			}
		})
	}
	resp, err := client.Get(base + "/predict")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("GET /predict: %d", resp.StatusCode)
	}
}

func TestThresholdFlag(t *testing.T) {
	base := startServer(t, "-model", modelPath, "-threshold", "0.9")
	status, out := post(t, base, `{"features":[0.4,1.2],"model":"fraud-v3"}`)
	if status != http.StatusOK || out["label"] != "legit" || out["score"].(float64) < 0.5 {
		t.Fatalf("threshold 0.9: %d %v", status, out)
	}
}

func TestStartupErrors(t *testing.T) {
	err := run(context.Background(), []string{"-addr", "127.0.0.1:0", "-model", "nope=missing.json"}, io.Discard, nil)
	if !errors.Is(err, polyscore.ErrIO) || !strings.Contains(err.Error(), `model "nope"`) {
		t.Fatalf("missing model file: %v", err)
	}
	err = run(context.Background(), []string{"-bogus"}, io.Discard, nil)
	if err == nil {
		t.Fatal("no error for an unknown flag")
	}
}

// Many clients at once get exact scores.
func TestConcurrentClients(t *testing.T) {
	base := startServer(t)
	rows := readExpected(t)
	errc := make(chan error, 8)
	for g := 0; g < 8; g++ {
		go func(g int) {
			for i := 0; i < 10; i++ {
				row := rows[(g+i)%len(rows)]
				body, _ := json.Marshal(map[string]any{"features": row.features, "model": "fraud-v3"})
				resp, err := client.Post(base+"/predict", "application/json", bytes.NewReader(body))
				if err != nil {
					errc <- err
					return
				}
				var out predictResponse
				err = json.NewDecoder(resp.Body).Decode(&out)
				resp.Body.Close()
				if err != nil || math.Abs(out.Score-row.prob) > 1e-6*row.prob {
					errc <- errors.New("bad answer " + string(body))
					return
				}
			}
			errc <- nil
		}(g)
	}
	for g := 0; g < 8; g++ {
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
	}
}
