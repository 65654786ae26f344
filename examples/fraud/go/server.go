package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"path/filepath"
	"sort"
	"strings"

	polyscore "github.com/polyscore/polyscore/bindings/go"
)

// registry maps model names to loaded models. It is filled before serving and
// only read afterwards, so it needs no lock; the models themselves are safe for
// concurrent use.
type registry map[string]*polyscore.Model

// loadRegistry loads each spec (PATH or NAME=PATH). Every model must give one
// value per row: a score.
func loadRegistry(specs []string) (registry, error) {
	reg := registry{}
	for _, spec := range specs {
		name, path, ok := strings.Cut(spec, "=")
		if !ok {
			path = spec
			name = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
		}
		if _, dup := reg[name]; dup {
			reg.Close()
			return nil, fmt.Errorf("model %q given twice", name)
		}
		m, err := polyscore.Load(path)
		if err != nil {
			reg.Close()
			return nil, fmt.Errorf("model %q: %w", name, err)
		}
		reg[name] = m
		info, err := m.Info()
		if err != nil {
			reg.Close()
			return nil, fmt.Errorf("model %q: %w", name, err)
		}
		if n := info.NumOutputs; n != 1 {
			reg.Close()
			return nil, fmt.Errorf("model %q (%s) gives %d values per row, not one score", name, info.Objective, n)
		}
	}
	return reg, nil
}

func (r registry) Close() {
	for _, m := range r {
		m.Close()
	}
}

func (r registry) Names() []string {
	names := make([]string, 0, len(r))
	for n := range r {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

type predictRequest struct {
	// Features in the model's order; null is a missing value.
	Features []*float64 `json:"features"`
	Model    string     `json:"model"`
}

type predictResponse struct {
	Score float64 `json:"score"`
	Label string  `json:"label"`
}

type errorResponse struct {
	Error string `json:"error"`
}

const maxBody = 1 << 20

// scorer scores one row with a named model: in-process (registry) or through the
// scoring service over gRPC (remoteScorer). Its errors are *scoreError.
type scorer interface {
	Score(ctx context.Context, model string, row []float64) (float64, error)
	// Names lists the known models, or nil when the scorer cannot tell.
	Names() []string
}

// scoreError is a failed score with the HTTP status it answers.
type scoreError struct {
	Status  int
	Message string
}

func (e *scoreError) Error() string { return e.Message }

// Score scores one row in-process.
func (r registry) Score(_ context.Context, model string, row []float64) (float64, error) {
	m, ok := r[model]
	if !ok {
		return 0, &scoreError{http.StatusNotFound, fmt.Sprintf("unknown model %q; known models: %s", model, strings.Join(r.Names(), ", "))}
	}
	var out [1]float64
	if _, err := m.PredictRowInto(out[:], row, nil); err != nil {
		status := http.StatusInternalServerError
		if errors.Is(err, polyscore.ErrShape) {
			status = http.StatusBadRequest
		}
		var pe *polyscore.Error
		msg := err.Error()
		if errors.As(err, &pe) {
			msg = pe.Message // the library's own words, e.g. the feature counts
		}
		return 0, &scoreError{status, msg}
	}
	return out[0], nil
}

func newHandler(sc scorer, threshold float64) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /predict", func(w http.ResponseWriter, r *http.Request) {
		var req predictRequest
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			status := http.StatusBadRequest
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				status = http.StatusRequestEntityTooLarge
			}
			writeJSON(w, status, errorResponse{"invalid JSON body: " + err.Error()})
			return
		}
		if _, err := dec.Token(); err != io.EOF {
			writeJSON(w, http.StatusBadRequest, errorResponse{"invalid JSON body: more than one JSON value"})
			return
		}
		if req.Model == "" {
			msg := `"model" is required`
			if names := sc.Names(); names != nil {
				msg += "; known models: " + strings.Join(names, ", ")
			}
			writeJSON(w, http.StatusBadRequest, errorResponse{msg})
			return
		}
		if req.Features == nil {
			writeJSON(w, http.StatusBadRequest, errorResponse{`"features" is required: an array of numbers`})
			return
		}
		row := make([]float64, len(req.Features))
		for i, f := range req.Features {
			if f == nil {
				row[i] = math.NaN()
			} else {
				row[i] = *f
			}
		}
		score, err := sc.Score(r.Context(), req.Model, row)
		if err != nil {
			var se *scoreError
			if errors.As(err, &se) {
				writeJSON(w, se.Status, errorResponse{se.Message})
			} else {
				writeJSON(w, http.StatusInternalServerError, errorResponse{err.Error()})
			}
			return
		}
		label := "legit"
		if score >= threshold {
			label = "fraud"
		}
		writeJSON(w, http.StatusOK, predictResponse{Score: score, Label: label})
	})
	return mux
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
