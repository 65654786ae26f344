//go:build !race

package polyscore_test

const raceEnabled = false
