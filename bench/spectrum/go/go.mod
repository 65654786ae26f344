module polyscore.dev/bench/spectrum

go 1.24

require github.com/polyscore/polyscore/bindings/go v0.0.0

replace github.com/polyscore/polyscore/bindings/go => ../../../bindings/go
