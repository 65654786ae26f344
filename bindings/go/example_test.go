package polyscore_test

import (
	"errors"
	"fmt"

	polyscore "github.com/polyscore/polyscore/bindings/go"
)

func Example() {
	m, err := polyscore.Load("../../examples/fraud/fraud-v3.json")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer m.Close()
	scores, err := m.Predict([]float64{0.4, 1.2, 0.0, 0.5}, 2, nil)
	fmt.Printf("%.6f %v\n", scores, err)

	_, err = m.PredictRow([]float64{0.4, 1.2, 7}, nil)
	fmt.Println(errors.Is(err, polyscore.ErrShape), err)
	// Output:
	// [0.855113 0.296652] <nil>
	// true polyscore: PS_ERR_SHAPE: input has 3 features per row but the model expects 2
}
