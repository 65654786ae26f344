// Command fraud-service scores transactions over HTTP with polyscore, in-process.
//
//	go run . -addr 127.0.0.1:8080 -model ../fraud-v3.json -threshold 0.5
//	curl -s -X POST localhost:8080/predict -d '{"features":[0.4,1.2],"model":"fraud-v3"}'
//	{"score":0.8551127314567566,"label":"fraud"}
//
// With -scorer HOST:PORT it scores through the polyscore scoring service over gRPC
// (fraud.v1.FraudScorer, `polyscore serve --models DIR --grpc HOST:PORT`) instead:
//
//	go run . -addr 127.0.0.1:8080 -scorer 127.0.0.1:50051
//
// -model may be given several times, as PATH (named after the file: fraud-v3.json
// is "fraud-v3") or NAME=PATH. A feature given as null is a missing value.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stderr, nil); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "fraud-service:", err)
		}
		os.Exit(2)
	}
}

// modelFlags collects repeated -model flags.
type modelFlags []string

func (m *modelFlags) String() string     { return strings.Join(*m, ",") }
func (m *modelFlags) Set(v string) error { *m = append(*m, v); return nil }

// run parses args, loads the models and serves until ctx is done. ready, if not
// nil, is called with the listening address once the server accepts requests.
func run(ctx context.Context, args []string, stderr io.Writer, ready func(addr string)) error {
	fs := flag.NewFlagSet("fraud-service", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "listen address")
	threshold := fs.Float64("threshold", 0.5, `score at or above which the label is "fraud"`)
	remote := fs.String("scorer", "", "gRPC address of a polyscore scoring service; scores there instead of in-process")
	var models modelFlags
	fs.Var(&models, "model", "model file as PATH or NAME=PATH; repeatable (default ../fraud-v3.json as fraud-v3)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	var sc scorer
	if *remote != "" {
		if len(models) > 0 {
			return errors.New("give -model or -scorer, not both")
		}
		rs, err := dialScorer(*remote, 5*time.Second)
		if err != nil {
			return err
		}
		defer rs.Close()
		sc = rs
	} else {
		if len(models) == 0 {
			models = modelFlags{"fraud-v3=" + filepath.Join("..", "fraud-v3.json")}
		}
		reg, err := loadRegistry(models)
		if err != nil {
			return err
		}
		defer reg.Close()
		sc = reg
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	logger := log.New(stderr, "fraud-service: ", log.LstdFlags)
	srv := &http.Server{
		Handler:           newHandler(sc, *threshold),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      10 * time.Second,
		IdleTimeout:       60 * time.Second,
		ErrorLog:          logger,
	}
	source := "scoring service " + *remote
	if names := sc.Names(); names != nil {
		source = strings.Join(names, ", ")
	}
	logger.Printf("serving %s on http://%s (threshold %g)", source, ln.Addr(), *threshold)
	if ready != nil {
		ready(ln.Addr().String())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// Shutdown waits for requests in flight, so the models outlive every score.
	return srv.Shutdown(shutdownCtx)
}
