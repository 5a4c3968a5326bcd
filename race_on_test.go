//go:build race

package ghl

// raceEnabled reports a -race build, whose tenfold slowdown makes some tests use smaller
// inputs.
const raceEnabled = true
