module github.com/polyscore/polyscore/bindings/go

go 1.24
