//go:build race

package polyscore_test

// The race detector makes some allocations of its own.
const raceEnabled = true
