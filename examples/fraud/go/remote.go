package main

import (
	"context"
	"net/http"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/polyscore/polyscore/examples/fraud/go/fraudpb"
)

// remoteScorer scores through the polyscore scoring service (`polyscore serve`) with
// the fraud.v1.FraudScorer stubs generated from proto/fraud/v1/fraud.proto.
type remoteScorer struct {
	conn    *grpc.ClientConn
	client  fraudpb.FraudScorerClient
	timeout time.Duration
}

func dialScorer(target string, timeout time.Duration) (*remoteScorer, error) {
	conn, err := grpc.NewClient(target, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, err
	}
	return &remoteScorer{conn: conn, client: fraudpb.NewFraudScorerClient(conn), timeout: timeout}, nil
}

func (s *remoteScorer) Close() error { return s.conn.Close() }

// Names is nil: the service knows its models, and names them in its NOT_FOUND errors.
func (s *remoteScorer) Names() []string { return nil }

func (s *remoteScorer) Score(ctx context.Context, model string, row []float64) (float64, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	reply, err := s.client.Predict(ctx, &fraudpb.PredictRequest{Features: row, Model: model})
	if err != nil {
		st := status.Convert(err)
		return 0, &scoreError{httpStatusOf(st.Code()), "scoring service: " + st.Message()}
	}
	return reply.GetScore(), nil
}

// httpStatusOf maps the service's gRPC status to the status this API answers.
func httpStatusOf(code codes.Code) int {
	switch code {
	case codes.InvalidArgument, codes.FailedPrecondition:
		return http.StatusBadRequest
	case codes.NotFound:
		return http.StatusNotFound
	case codes.ResourceExhausted, codes.Unavailable:
		return http.StatusServiceUnavailable
	case codes.DeadlineExceeded:
		return http.StatusGatewayTimeout
	default:
		return http.StatusBadGateway
	}
}
